import type { Kysely } from 'kysely';
import type { DB } from '../schema';
import { nowIso } from '../sql-helpers';

export interface NewOutboxEmail {
  ticketId: number;
  mailboxId: number;
  commentId: number | null;
  /** ticket_received, public_reply, internal_note, ... */
  kind: string;
  to: string[];
  cc: string[];
}

/** Email to send, written in the same transaction as the event that causes it; the relay sends it. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(email: NewOutboxEmail): Promise<number> {
    const now = nowIso();
    const row = await this.db
      .insertInto('outbox')
      .values({
        ticket_id: email.ticketId,
        mailbox_id: email.mailboxId,
        comment_id: email.commentId,
        kind: email.kind,
        recipients: JSON.stringify({ to: email.to, cc: email.cc }),
        state: 'pending',
        next_attempt_at: now,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  listForTicket(ticketId: number) {
    return this.db.selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  }

  /** True when this outbox row exists and carries this Message-ID (our own mail, not a spoof). */
  async exists(id: number, messageId: string | null): Promise<boolean> {
    let query = this.db.selectFrom('outbox').select('id').where('id', '=', id);
    if (messageId !== null) query = query.where('message_id', '=', messageId);
    return (await query.executeTakeFirst()) !== undefined;
  }
}
