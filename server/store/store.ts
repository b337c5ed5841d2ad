import { sql, type Kysely } from 'kysely';
import { openDatabase, ping, type Database, type DatabaseTarget } from './database';
import { migrateToLatest, pendingMigrations } from './migrate';
import { AttachmentsRepository } from './repositories/attachments';
import { AuditRepository } from './repositories/audit';
import { DeadLettersRepository } from './repositories/dead-letters';
import { GraphSubscriptionsRepository } from './repositories/graph-subscriptions';
import { InboundReadsRepository } from './repositories/inbound-reads';
import { OutboxRepository } from './repositories/outbox';
import { MailboxesRepository } from './repositories/mailboxes';
import { MailMessagesRepository } from './repositories/mail-messages';
import { OauthLinksRepository } from './repositories/oauth-links';
import { SettingsRepository } from './repositories/settings';
import { TicketsRepository } from './repositories/tickets';
import { UsersRepository } from './repositories/users';
import type { DialectKind } from './dialect';
import type { DB } from './schema';

/** The repositories, bound to either the pool (the Store) or one transaction (a Transaction). */
export class Repositories {
  readonly users: UsersRepository;
  readonly tickets: TicketsRepository;
  readonly mailboxes: MailboxesRepository;
  readonly audit: AuditRepository;
  readonly oauthLinks: OauthLinksRepository;
  readonly settings: SettingsRepository;
  readonly mailMessages: MailMessagesRepository;
  readonly attachments: AttachmentsRepository;
  readonly deadLetters: DeadLettersRepository;
  readonly inboundReads: InboundReadsRepository;
  readonly outbox: OutboxRepository;
  readonly subscriptions: GraphSubscriptionsRepository;

  /** `outboxQueued` is called when this object writes an outbox row (for a transaction: once it commits). */
  protected constructor(
    protected readonly db: Kysely<DB>,
    dialect: DialectKind,
    outboxQueued: () => void,
  ) {
    this.users = new UsersRepository(db);
    this.tickets = new TicketsRepository(db, dialect);
    this.mailboxes = new MailboxesRepository(db, dialect);
    this.audit = new AuditRepository(db);
    this.oauthLinks = new OauthLinksRepository(db);
    this.settings = new SettingsRepository(db);
    this.mailMessages = new MailMessagesRepository(db);
    this.attachments = new AttachmentsRepository(db);
    this.deadLetters = new DeadLettersRepository(db);
    this.inboundReads = new InboundReadsRepository(db);
    this.outbox = new OutboxRepository(db, dialect, outboxQueued);
    this.subscriptions = new GraphSubscriptionsRepository(db);
  }
}

/**
 * The repositories bound to one transaction (see Store.transaction). Only here is there `atomically`: a
 * savepoint needs a transaction, so outside one it is a type error rather than a failure at run time.
 */
export class Transaction extends Repositories {
  constructor(db: Kysely<DB>, dialect: DialectKind, outboxQueued: () => void) {
    super(db, dialect, outboxQueued);
  }

  /**
   * Inside a transaction: runs `work` under a savepoint, so that when it throws, its changes are undone and
   * the transaction goes on (PostgreSQL would otherwise refuse every later statement of the transaction).
   */
  async atomically<T>(work: () => Promise<T>): Promise<T> {
    // One name serves nested savepoints too: RELEASE and ROLLBACK TO name the innermost of that name.
    const name = sql.id('relaydesk_atomically');
    await sql`savepoint ${name}`.execute(this.db);
    try {
      const result = await work();
      await sql`release savepoint ${name}`.execute(this.db);
      return result;
    } catch (error) {
      await sql`rollback to savepoint ${name}`.execute(this.db);
      await sql`release savepoint ${name}`.execute(this.db);
      throw error;
    }
  }
}

/** The repositories on the pool, plus transactions, readiness and the outbox's wake-up calls. */
export class Store extends Repositories {
  private constructor(
    private readonly database: Database,
    private readonly outboxListeners = new Set<() => void>(),
  ) {
    super(database.db, database.dialect, () => notify(outboxListeners));
  }

  /**
   * Calls `listener` after an outbox row was written and committed in this process, so that the relay sends
   * at once instead of at its next poll. Returns the function that unsubscribes.
   */
  onOutboxQueued(listener: () => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  /** Opens the database and applies pending migrations. */
  static async open(target: DatabaseTarget): Promise<Store> {
    const database = await openDatabase(target);
    try {
      await migrateToLatest(database);
    } catch (error) {
      await database.close();
      throw error;
    }
    return new Store(database);
  }

  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  async transaction<T>(work: (repos: Transaction) => Promise<T>): Promise<T> {
    let queued = false;
    const result = await this.database.db.transaction().execute((trx) =>
      work(
        new Transaction(trx, this.database.dialect, () => {
          queued = true;
        }),
      ),
    );
    if (queued) notify(this.outboxListeners);
    return result;
  }

  /** Throws when the database is unreachable or its schema is behind the code. */
  async checkReady(): Promise<{ pendingMigrations: string[] }> {
    await ping(this.database.db);
    return { pendingMigrations: await pendingMigrations(this.database) };
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

function notify(listeners: ReadonlySet<() => void>): void {
  for (const listener of listeners) listener();
}
