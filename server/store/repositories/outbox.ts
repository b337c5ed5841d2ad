import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { OUTBOX_KINDS, type OutboxKind } from '../../outbound/outbox-kinds';
import type { DialectKind } from '../dialect';
import type { DB, MailDirection, OutboxTable } from '../schema';
import { nowIso } from '../sql-helpers';

export interface OutboxRecipients {
  to: string[];
  cc: string[];
}

export interface NewOutboxEmail extends OutboxRecipients {
  ticketId: number;
  mailboxId: number;
  commentId: number | null;
  kind: OutboxKind;
}

/** An outbox row with its recipients parsed and checked once, here, and its kind one of the domain's. */
export type OutboxRow = Omit<Selectable<OutboxTable>, 'recipients'> & { recipients: OutboxRecipients };

/** What composing a row's email reads besides the row and its mailbox, gathered by one call. */
export interface ComposeSource {
  ticket: { id: number; subject: string; referenceTag: string };
  requester: { email: string; displayName: string | null } | null;
  /** The comment the email carries, with its author; null for an acknowledgement. */
  comment: { bodyText: string; authorName: string | null } | null;
  /** The ticket's mail in and out (copies left out), oldest first: the thread the email continues. */
  thread: { internetMessageId: string; direction: MailDirection }[];
}

/** Messages of a thread read for its In-Reply-To and References. */
const THREAD_MESSAGES = 50;

/**
 * Exchange Online's sending limits for one mailbox, as the relay keeps to them: at most `messages` sends per
 * rolling `windowMs`, and at most `recipients` recipients per rolling `recipientWindowMs`. A send counts from
 * the moment it left (last_attempt_at), and a row claimed under a live lease counts too: it is about to leave.
 */
export interface SendPacing {
  messages: number;
  windowMs: number;
  recipients: number;
  recipientWindowMs: number;
}

/** A mailbox's outbox as operators watch it (see backlogByMailbox). */
export interface OutboxBacklog {
  waiting: number;
  /** ISO-8601 creation time of the oldest waiting email; null when none waits. */
  oldestWaitingAt: string | null;
  failed: number;
}

/** A file that goes with an email: an agent's upload taken by the reply the email carries. */
export interface OutboxAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

/** Email to send, written in the same transaction as the event that causes it; the relay sends it. */
export class OutboxRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectKind,
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
        recipient_count: email.to.length + email.cc.length,
        state: 'pending',
        next_attempt_at: now,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.queued();
    return row.id;
  }

  async listForTicket(ticketId: number): Promise<OutboxRow[]> {
    const rows = await this.db.selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
    return rows.map((row) => {
      const read = readRow(row);
      if (!read.ok) throw new Error(`Outbox row ${row.id} is malformed: ${read.reason}`);
      return read.row;
    });
  }

  /** True when this outbox row exists and carries this Message-ID (our own mail, not a spoof). */
  async exists(id: number, messageId: string | null): Promise<boolean> {
    let query = this.db.selectFrom('outbox').select('id').where('id', '=', id);
    if (messageId !== null) query = query.where('message_id', '=', messageId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /**
   * Leases up to `limit` rows that are due: rows whose sender died (lease expired; `outcome_unknown` says
   * whether a send had left) and pending rows whose time has come. With `pacing`, a mailbox's pending rows are
   * leased only as far as its sending limits have room (the rest stay queued here); agent replies go before
   * acknowledgements, each oldest first. Rows of one mailbox are leased under a lock on the mailbox, so that
   * relays on several instances never lease more than its limits between them.
   */
  async claimDue(claim: { owner: string; leaseMs: number; limit: number; pacing?: SendPacing }): Promise<OutboxRow[]> {
    const now = nowIso();
    const mailboxes = await this.db
      .selectFrom('outbox')
      .select(['mailbox_id', (eb) => eb.fn.min('id').as('first')])
      .where((w) => this.due(w, now, claim.owner))
      .groupBy('mailbox_id')
      .orderBy('first')
      .execute();
    const claimed: OutboxRow[] = [];
    for (const { mailbox_id: mailboxId } of mailboxes) {
      const room = claim.limit - claimed.length;
      if (room <= 0) break;
      const rows = await this.db.transaction().execute((trx) => this.claimFromMailbox(trx, mailboxId, { ...claim, limit: room }, now));
      for (const row of rows) {
        const read = readRow(row);
        // Only a hand-edited row can fail here: failed where admins see it, it can neither loop nor hold up the rest.
        if (read.ok) claimed.push(read.row);
        else await this.markFailed(row.id, `malformed_row: ${read.reason}`);
      }
    }
    return claimed;
  }

  /** Due: pending and its time has come, or "sending" under a dead lease (or our own, from before a restart). */
  private due(w: ExpressionBuilder<DB, 'outbox'>, now: string, owner: string) {
    return w.or([
      w.and([w('state', '=', 'pending'), w('next_attempt_at', '<=', now)]),
      w.and([w('state', '=', 'sending'), w.or([w('lease_until', '<', now), w('lease_owner', '=', owner)])]),
    ]);
  }

  private async claimFromMailbox(trx: Kysely<DB>, mailboxId: number, claim: { owner: string; leaseMs: number; limit: number; pacing?: SendPacing }, now: string): Promise<Selectable<OutboxTable>[]> {
    if (this.dialect === 'postgres') {
      // Another instance leasing this mailbox's rows right now: leave the mailbox to it this round.
      const locked = await trx.selectFrom('mailboxes').select('id').where('id', '=', mailboxId).forUpdate().skipLocked().executeTakeFirst();
      if (!locked) return [];
    }
    // Rows a dead (or restarted) relay held first: they are settled, and mostly send nothing.
    const held = await trx
      .selectFrom('outbox')
      .select('id')
      .where('mailbox_id', '=', mailboxId)
      .where('state', '=', 'sending')
      .where((w) => w.or([w('lease_until', '<', now), w('lease_owner', '=', claim.owner)]))
      .orderBy('id')
      .limit(claim.limit)
      .execute();
    const ids = held.map((r) => r.id);
    let room = claim.limit - ids.length;
    let recipientRoom = Number.MAX_SAFE_INTEGER;
    if (claim.pacing && room > 0) {
      const sending = (w: ExpressionBuilder<DB, 'outbox'>, since: string) => w.or([w('last_attempt_at', '>=', since), w.and([w('state', '=', 'sending'), w('lease_until', '>=', now)])]);
      const minuteAgo = new Date(Date.now() - claim.pacing.windowMs).toISOString();
      const dayAgo = new Date(Date.now() - claim.pacing.recipientWindowMs).toISOString();
      // One read of the day's sends gives both budgets: the minute's are a part of the day's.
      const used = await trx
        .selectFrom('outbox')
        .select((eb) => [
          eb.fn.sum<number>(eb.case().when(sending(eb, minuteAgo)).then(1).else(0).end()).as('messages'),
          eb.fn.sum<number>('recipient_count').as('recipients'),
        ])
        .where('mailbox_id', '=', mailboxId)
        .where((w) => sending(w, dayAgo))
        .executeTakeFirstOrThrow();
      room = Math.min(room, claim.pacing.messages - Number(used.messages ?? 0));
      recipientRoom = claim.pacing.recipients - Number(used.recipients ?? 0);
    }
    if (room > 0) {
      const pending = await trx
        .selectFrom('outbox')
        .select(['id', 'recipient_count'])
        .where('mailbox_id', '=', mailboxId)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        // An agent's reply is someone waiting for an answer; an acknowledgement only says we got the mail.
        .orderBy((eb) => eb.case().when('kind', '=', 'ticket_received').then(1).else(0).end())
        .orderBy('id')
        .limit(room)
        .execute();
      for (const row of pending) {
        if (row.recipient_count > recipientRoom) break;
        recipientRoom -= row.recipient_count;
        ids.push(row.id);
      }
    }
    if (ids.length === 0) return [];
    const until = new Date(Date.now() + claim.leaseMs).toISOString();
    const rows = await trx.updateTable('outbox').set({ state: 'sending', lease_owner: claim.owner, lease_until: until }).where('id', 'in', ids).returningAll().execute();
    return rows.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  }

  /**
   * A restored database: any email that had its Message-ID when the backup was taken and is not recorded
   * as sent may have gone out since, under that Message-ID: it is settled as after a crash (looked for in
   * the mailbox before any resend). Leases of the relay that ran then are dropped. Returns how many rows
   * will be looked for first.
   */
  async settleAfterRestore(at: string): Promise<number> {
    await this.db.updateTable('outbox').set({ lease_until: at }).where('lease_until', '>', at).execute();
    const result = await this.db
      .updateTable('outbox')
      .set({ outcome_unknown: 1, settle_looks: 0 })
      .where('state', 'in', ['pending', 'sending'])
      .where('message_id', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * The ticket, requester, comment and thread that the row's email is composed from. Undefined when the row or
   * its ticket is gone. The comment counts only with its author, and only when it belongs to the row's ticket.
   */
  async findComposeSource(id: number): Promise<ComposeSource | undefined> {
    const row = await this.db
      .selectFrom('outbox as o')
      .innerJoin('tickets as t', 't.id', 'o.ticket_id')
      .leftJoin('users as r', 'r.id', 't.requester_id')
      .leftJoin('comments as c', (join) => join.onRef('c.id', '=', 'o.comment_id').onRef('c.ticket_id', '=', 'o.ticket_id'))
      .leftJoin('users as a', 'a.id', 'c.author_id')
      .select(['t.id', 't.subject', 't.reference_tag', 'r.email as requester_email', 'r.display_name as requester_name', 'c.body_text', 'a.id as author_id', 'a.display_name as author_name'])
      .where('o.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const thread = await this.db
      .selectFrom('mail_messages')
      .select(['internet_message_id', 'direction'])
      .where('ticket_id', '=', row.id)
      .where('disposition', '<>', 'duplicate')
      .orderBy('id')
      .limit(THREAD_MESSAGES)
      .execute();
    return {
      ticket: { id: row.id, subject: row.subject, referenceTag: row.reference_tag },
      requester: row.requester_email === null ? null : { email: row.requester_email, displayName: row.requester_name },
      comment: row.body_text === null || row.author_id === null ? null : { bodyText: row.body_text, authorName: row.author_name },
      thread: thread.map((m) => ({ internetMessageId: m.internet_message_id, direction: m.direction })),
    };
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
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_at: nowIso(), outcome_unknown: 1, settle_looks: 0 }))
      .where('id', '=', id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records that an unknown outcome was looked for and not found; returns how many looks that makes. */
  async recordSettleLook(id: number): Promise<number> {
    await this.db.updateTable('outbox').set((eb) => ({ settle_looks: eb('settle_looks', '+', 1) })).where('id', '=', id).execute();
    const row = await this.db.selectFrom('outbox').select('settle_looks').where('id', '=', id).executeTakeFirstOrThrow();
    return row.settle_looks;
  }

  /** Remembers (or forgets, with null) the Graph draft a large email is built in. */
  async setDraft(id: number, draftId: string | null): Promise<void> {
    await this.db.updateTable('outbox').set({ draft_id: draftId }).where('id', '=', id).execute();
  }

  /** The files the row's comment carries, in the order they were uploaded; none for an acknowledgement. */
  async attachmentsFor(id: number): Promise<OutboxAttachment[]> {
    const rows = await this.db
      .selectFrom('outbox as o')
      .innerJoin('attachments as a', (join) => join.onRef('a.comment_id', '=', 'o.comment_id').onRef('a.ticket_id', '=', 'o.ticket_id'))
      .select(['a.filename', 'a.content_type', 'a.content', 'a.content_id', 'a.inline'])
      .where('o.id', '=', id)
      .where('a.uploaded_by', 'is not', null)
      .where('a.content', 'is not', null)
      .orderBy('a.id')
      .execute();
    return rows.map((r) => ({ filename: r.filename, contentType: r.content_type, content: r.content ?? Buffer.alloc(0), contentId: r.content_id, inline: r.inline === 1 }));
  }

  async markSent(id: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'sent', sent_at: nowIso(), lease_owner: null, lease_until: null, outcome_unknown: 0, last_error: null, draft_id: null })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Hands a leased row back untouched (a stopping relay whose send never left): due again at once, for any
   * relay, with whatever it knew before (an earlier attempt still in doubt stays in doubt).
   */
  async release(id: number, owner: string): Promise<void> {
    await this.db.updateTable('outbox').set({ state: 'pending', lease_owner: null, lease_until: null }).where('id', '=', id).where('state', '=', 'sending').where('lease_owner', '=', owner).execute();
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

  /**
   * Per mailbox id, for /metrics: emails waiting (pending, including retries and settling, or being sent) and
   * when the oldest of them was queued, and emails the relay gave up on. Mailboxes with neither are absent.
   */
  async backlogByMailbox(): Promise<Map<number, OutboxBacklog>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['mailbox_id', 'state', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
      .where('state', 'in', ['pending', 'sending', 'failed'])
      .groupBy(['mailbox_id', 'state'])
      .execute();
    const backlog = new Map<number, OutboxBacklog>();
    for (const row of rows) {
      const entry = backlog.get(row.mailbox_id) ?? { waiting: 0, oldestWaitingAt: null, failed: 0 };
      if (row.state === 'failed') entry.failed += Number(row.n);
      else {
        entry.waiting += Number(row.n);
        if (row.oldest !== null && (entry.oldestWaitingAt === null || row.oldest < entry.oldestWaitingAt)) entry.oldestWaitingAt = row.oldest;
      }
      backlog.set(row.mailbox_id, entry);
    }
    return backlog;
  }

  /** Rows by state, for the admin view and tests. */
  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('outbox').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}

type ReadRow = { ok: true; row: OutboxRow } | { ok: false; reason: string };

/** Checks what the database holds against the types; rows are only ever written by insert() above. */
function readRow(row: Selectable<OutboxTable>): ReadRow {
  if (!(OUTBOX_KINDS as readonly string[]).includes(row.kind)) return { ok: false, reason: `unknown kind ${JSON.stringify(row.kind)}` };
  const recipients = parseRecipients(row.recipients);
  if (!recipients) return { ok: false, reason: 'recipients are not { to: string[], cc: string[] }' };
  return { ok: true, row: { ...row, recipients } };
}

function parseRecipients(text: string): OutboxRecipients | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const { to, cc } = value as { to?: unknown; cc?: unknown };
  return isStrings(to) && isStrings(cc) ? { to, cc } : undefined;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
