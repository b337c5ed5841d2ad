import type { Kysely, Selectable } from 'kysely';
import { RecordedConcurrentlyError } from '../errors';
import type { DB, MailDirection, MailMessagesTable } from '../schema';
import { preparedQuery } from '../prepared-query';
import { isUniqueViolation, nowIso } from '../sql-helpers';

export interface NewMailMessage {
  mailboxId: number;
  internetMessageId: string;
  graphMessageId: string | null;
  direction: MailDirection;
  ticketId: number | null;
  commentId: number | null;
  disposition: string;
  dispositionReason: string | null;
  fromAddress: string | null;
  subject: string | null;
}

export type MailMessageRow = Selectable<MailMessagesTable>;

/** Parameters per IN list, well below SQLite's and PostgreSQL's limits. */
const LOOKUP_CHUNK = 500;

/** Every email Relaydesk received or sent, keyed by mailbox + Message-ID: the basis of exactly-once ingest. */
export class MailMessagesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Records a message; returns undefined when this mailbox already recorded this Message-ID. */
  async insert(message: NewMailMessage): Promise<MailMessageRow | undefined> {
    try {
      return await this.write(message);
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records a message that must be the first record of its Message-ID in this mailbox (and, when inbound and
   * not a duplicate, in any mailbox). Throws RecordedConcurrentlyError when another record won the race: on
   * PostgreSQL the failed insert has aborted the transaction, so the caller undoes its work (a savepoint) and
   * records the message as what the winner made of it.
   */
  async record(message: NewMailMessage): Promise<MailMessageRow> {
    try {
      return await this.write(message);
    } catch (error) {
      if (isUniqueViolation(error)) throw new RecordedConcurrentlyError(message.internetMessageId, { cause: error });
      throw error;
    }
  }

  /**
   * Gives a message recorded without a ticket (suppressed, dead-lettered) the ticket an agent made of it.
   * Throws RecordedConcurrentlyError when another ticket claimed it first, as record() does for an insert.
   */
  async claimForTicket(id: number, claim: { ticketId: number; commentId: number; disposition: string; dispositionReason: string | null; internetMessageId: string }): Promise<void> {
    const result = await this.db
      .updateTable('mail_messages')
      .set({ ticket_id: claim.ticketId, comment_id: claim.commentId, disposition: claim.disposition, disposition_reason: claim.dispositionReason })
      .where('id', '=', id)
      .where('ticket_id', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new RecordedConcurrentlyError(claim.internetMessageId);
  }

  private write(message: NewMailMessage): Promise<MailMessageRow> {
    return this.db
      .insertInto('mail_messages')
      .values({
        mailbox_id: message.mailboxId,
        internet_message_id: message.internetMessageId,
        graph_message_id: message.graphMessageId,
        direction: message.direction,
        ticket_id: message.ticketId,
        comment_id: message.commentId,
        disposition: message.disposition,
        disposition_reason: message.dispositionReason,
        from_address: message.fromAddress,
        subject: message.subject,
        created_at: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Which of these Message-IDs this mailbox has recorded: one query for a whole page of listed mail. */
  async recordedIn(mailboxId: number, internetMessageIds: readonly string[]): Promise<Set<string>> {
    const recorded = new Set<string>();
    for (let i = 0; i < internetMessageIds.length; i += LOOKUP_CHUNK) {
      const chunk = internetMessageIds.slice(i, i + LOOKUP_CHUNK);
      const rows = await this.db
        .selectFrom('mail_messages')
        .select('internet_message_id')
        .where('mailbox_id', '=', mailboxId)
        .where('internet_message_id', 'in', chunk)
        .execute();
      for (const row of rows) recorded.add(row.internet_message_id);
    }
    return recorded;
  }

  /** Records of these Message-IDs in any mailbox (the same email can reach two linked mailboxes). */
  findByMessageIds(internetMessageIds: readonly string[]): Promise<MailMessageRow[]> {
    if (internetMessageIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('mail_messages').selectAll().where('internet_message_id', 'in', [...internetMessageIds]).orderBy('id').execute();
  }

  /** Every record of one Message-ID (one per mailbox it reached), oldest first: what the pane's lookup reads. */
  findByMessageId(internetMessageId: string): Promise<MailMessageRow[]> {
    return byMessageId(this.db, { internetMessageId });
  }

  /** The ticket's messages in and out, oldest first: the thread an outgoing email continues. */
  listForTicket(ticketId: number, limit = 50): Promise<MailMessageRow[]> {
    return forTicket(this.db, { ticketId, limit });
  }

  /** Removes the record that marked a message as dead-lettered, so a replay can record what it became. */
  async deleteDeadLetterRecord(mailboxId: number, internetMessageId: string): Promise<void> {
    await this.db
      .deleteFrom('mail_messages')
      .where('mailbox_id', '=', mailboxId)
      .where('internet_message_id', '=', internetMessageId)
      .where('disposition', '=', 'dead_letter')
      .execute();
  }

  /** How many messages this sender's address sent to any linked mailbox since `since`. */
  async countFromSince(fromAddress: string, since: string, upTo?: number): Promise<number> {
    let recent = this.db
      .selectFrom('mail_messages')
      .select('id')
      .where('from_address', '=', fromAddress)
      .where('direction', '=', 'inbound')
      .where('created_at', '>=', since);
    // Counting stops at `upTo`: a sender's thousandth message costs no more to check than their tenth.
    if (upTo !== undefined) recent = recent.limit(upTo);
    const row = await this.db
      .selectFrom(recent.as('recent'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

// Read on every GET /api/lookup and GET /api/tickets/:id: compiled once (prepared-query.ts).
const byMessageId = preparedQuery<{ internetMessageId: string }, MailMessageRow>(['internetMessageId'], (db, a) =>
  db.selectFrom('mail_messages').selectAll().where('internet_message_id', '=', a.internetMessageId).orderBy('id'),
);
const forTicket = preparedQuery<{ ticketId: number; limit: number }, MailMessageRow>(['ticketId', 'limit'], (db, a) =>
  db.selectFrom('mail_messages').selectAll().where('ticket_id', '=', a.ticketId).where('disposition', '<>', 'duplicate').orderBy('id').limit(a.limit),
);
