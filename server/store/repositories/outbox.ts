import type { Kysely, Selectable } from 'kysely';
import type { DB, OutboxTable } from '../schema';
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

export type OutboxRow = Selectable<OutboxTable>;

/** Email to send, written in the same transaction as the event that causes it; the relay sends it. */
export class OutboxRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly queued: () => void = () => undefined,
  ) {}

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
    this.queued();
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

  /**
   * Leases up to `limit` rows that are due: pending ones whose time has come, and rows whose sender died
   * (lease expired; `outcome_unknown` says whether a send had left). SKIP LOCKED lets several relays claim at once.
   */
  async claimDue(claim: { owner: string; leaseMs: number; limit: number }, dialect: 'sqlite' | 'postgres'): Promise<OutboxRow[]> {
    const now = nowIso();
    const until = new Date(Date.now() + claim.leaseMs).toISOString();
    return this.db
      .updateTable('outbox')
      .set({ state: 'sending', lease_owner: claim.owner, lease_until: until })
      .where('id', 'in', (eb) => {
        const due = eb
          .selectFrom('outbox')
          .select('id')
          .where((w) =>
            w.or([
              w.and([w('state', '=', 'pending'), w('next_attempt_at', '<=', now)]),
              // A row still "sending" under our own name is from before a restart: settle it now.
              w.and([w('state', '=', 'sending'), w.or([w('lease_until', '<', now), w('lease_owner', '=', claim.owner)])]),
            ]),
          )
          .orderBy('id')
          .limit(claim.limit);
        return dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
      })
      .returningAll()
      .execute();
  }

  /** Sets the Message-ID once; later attempts reuse it so Sent Items can tell whether one went out. */
  async assignMessageId(id: number, messageId: string): Promise<string> {
    await this.db.updateTable('outbox').set({ message_id: messageId }).where('id', '=', id).where('message_id', 'is', null).execute();
    const row = await this.db.selectFrom('outbox').select('message_id').where('id', '=', id).executeTakeFirstOrThrow();
    return row.message_id ?? messageId;
  }

  /**
   * Records that a send is leaving now: until its answer is recorded the outcome is unknown, and a relay that
   * finds the row after a crash settles it against Sent Items first. False when `owner` no longer holds the
   * lease (it expired and another relay has the row): then the send must not leave.
   */
  async markAttempt(id: number, owner: string): Promise<boolean> {
    const result = await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_at: nowIso(), outcome_unknown: 1 }))
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markSent(id: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'sent', sent_at: nowIso(), lease_owner: null, lease_until: null, outcome_unknown: 0, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async reschedule(id: number, next: { at: string; error: string; outcomeUnknown: boolean }): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'pending', next_attempt_at: next.at, last_error: next.error.slice(0, 1000), outcome_unknown: next.outcomeUnknown ? 1 : 0, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'failed', last_error: error.slice(0, 1000), lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .execute();
  }

  /** Rows by state, for the admin view and tests. */
  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('outbox').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
