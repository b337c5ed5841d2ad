import type { Kysely } from 'kysely';
import type { DB, MailboxRow, MailboxState, MailboxUpdate } from '../schema';
import { isStorableId, nowIso } from '../sql-helpers';
import { normalizeEmail } from './users';

export class MailboxesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(address: string, displayName: string | null, state: MailboxState = 'pending'): Promise<MailboxRow> {
    const now = nowIso();
    return this.db
      .insertInto('mailboxes')
      .values({ address: normalizeEmail(address), display_name: displayName, state, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findById(id: number): Promise<MailboxRow | undefined> {
    if (!isStorableId(id)) return undefined;
    return this.db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByAddress(address: string): Promise<MailboxRow | undefined> {
    return this.db.selectFrom('mailboxes').selectAll().where('address', '=', normalizeEmail(address)).executeTakeFirst();
  }

  list(): Promise<MailboxRow[]> {
    return this.db.selectFrom('mailboxes').selectAll().orderBy('address').execute();
  }

  /** Addresses Relaydesk receives mail at (linked in any state but unlinked): never valid as CCs. */
  async linkedAddresses(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('mailboxes').select('address').where('state', '!=', 'unlinked').execute();
    return new Set(rows.map((r) => r.address));
  }

  async update(id: number, patch: Omit<MailboxUpdate, 'id' | 'updated_at' | 'created_at'>): Promise<MailboxRow> {
    return this.db
      .updateTable('mailboxes')
      .set({ ...patch, updated_at: nowIso() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async setState(id: number, state: MailboxState, reason: string | null): Promise<MailboxRow> {
    return this.db
      .updateTable('mailboxes')
      .set({ state, state_reason: reason, updated_at: nowIso() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
