import { randomUUID } from 'node:crypto';
import { classifyFailure } from '../graph/failure-policy';
import type { MailboxClients } from '../graph/mailbox-clients';
import { attachFile, createDraft, deleteDraft, MAX_MESSAGE_BYTES, sendDraft, UPLOAD_SESSION_MIN_BYTES } from '../graph/draft-send';
import { findOurMessage, MAX_SENDMAIL_MIME_BYTES, sendMime } from '../graph/send-operations';
import type { Logger } from '../logger';
import type { MailboxRow } from '../store/schema';
import type { OutboxRow, SendPacing } from '../store/repositories/outbox';
import type { Store } from '../store/store';
import { DEFAULT_MESSAGE_ID_DOMAIN, mintMessageId } from '../tickets/our-mail-marks';
import { referenceToken, ticketReference } from '../tickets/reference';
import { composeMime, type OutgoingEmail } from './compose';
import { renderEmail } from './templates';

export interface RelaySettings {
  messageIdDomain: string;
  /** How long a claimed row is ours; a relay that dies mid-send leaves it to be settled after this. */
  leaseMs: number;
  /** Rows claimed per round. */
  batchSize: number;
  maxAttempts: number;
  /** How long after a send with no answer before the mailbox is trusted to show whether it went out. */
  unknownOutcomeSettleMs: number;
  /** After a first look found nothing, how long until the second look that must also find nothing before a resend. */
  secondLookMs: number;
  /** Exchange's sending limits per mailbox, kept by leasing no more rows than they have room for. */
  pacing: SendPacing;
  /** Wait before retrying a row whose mailbox is paused or needs re-authorization. */
  inactiveMailboxRetryMs: number;
  pollMs: number;
}

export const DEFAULT_RELAY_SETTINGS: RelaySettings = {
  messageIdDomain: DEFAULT_MESSAGE_ID_DOMAIN,
  leaseMs: 120_000,
  batchSize: 50,
  maxAttempts: 12,
  unknownOutcomeSettleMs: 120_000,
  secondLookMs: 30_000,
  pacing: exchangePacing(30, 10_000),
  inactiveMailboxRetryMs: 60_000,
  pollMs: 1_000,
};

export interface RelayDeps {
  store: Store;
  clients: MailboxClients;
  logger: Logger;
  settings: RelaySettings;
  /** Called when Graph accepted an email (benchmarks measure comment -> accepted latency). */
  onSent?: (row: OutboxRow) => void;
}

/**
 * Exchange Online's sending limits (30 messages a minute, 10,000 recipients a day per mailbox) as the relay
 * paces them. The minute is counted a second long: a send counts from when it left here, and its travel time
 * must never put a 31st into Exchange's own minute (where it would wait in the Outbox).
 */
export function exchangePacing(messagesPerMinute: number, recipientsPerDay: number): SendPacing {
  return { messages: messagesPerMinute, windowMs: 61_000, recipients: recipientsPerDay, recipientWindowMs: 24 * 60 * 60 * 1000 };
}

/** What the relay logs when a send whose answer was lost turns out to have gone out. */
export const SETTLED_AS_SENT = 'an earlier attempt had been sent after all; not sending again';

type Result = 'sent' | 'settled_as_sent' | 'rescheduled' | 'failed' | 'lease_lost' | 'released';

class LeaseLostError extends Error {
  constructor(outboxId: number) {
    super(`The lease on outbox row ${outboxId} expired before its send left`);
    this.name = 'LeaseLostError';
  }
}

class StoppingError extends Error {
  constructor(outboxId: number) {
    super(`The relay is stopping; outbox row ${outboxId} had not been sent`);
    this.name = 'StoppingError';
  }
}

/**
 * Sends the outbox: claims due rows under a lease (no more per mailbox than Exchange's sending limits have
 * room for), composes each email and sends it from the ticket's own linked mailbox, through the mailbox's
 * governor: with sendMail when it fits one request, else as a draft with upload sessions. A send without an
 * answer is never simply repeated: after a settling delay the mailbox is searched for the email's Message-ID
 * (Sent Items, the Outbox, Drafts), twice, before it is sent again.
 */
export class RelayWorker {
  readonly instanceId: string;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<number> | undefined;
  private stopping = false;
  /** An email was queued while a round ran: run another one right after it. */
  private woken = false;
  private unsubscribe: (() => void) | undefined;

  /** `instanceId`: stable across restarts (host and port in main.ts), so rows left mid-send are settled at once. */
  constructor(private readonly deps: RelayDeps, instanceId?: string) {
    this.instanceId = instanceId ?? `relay-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.settings.pollMs);
    this.timer.unref();
    // Email queued in this process goes out at once; the poll finds what other instances queued.
    this.unsubscribe = this.deps.store.onOutboxQueued(() => {
      if (this.round) this.woken = true;
      else void this.tick();
    });
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round: claims due rows and sends them; resolves with how many rows it handled. */
  async runOnce(): Promise<number> {
    const rows = await this.deps.store.outbox.claimDue({ owner: this.instanceId, leaseMs: this.deps.settings.leaseMs, limit: this.deps.settings.batchSize, pacing: this.deps.settings.pacing });
    await Promise.all(rows.map((row) => this.deliver(row).catch((error: unknown) => this.deps.logger.error({ err: error, outboxId: row.id }, 'relay failed unexpectedly; the lease will expire and the row be settled'))));
    return rows.length;
  }

  private async tick(): Promise<void> {
    if (this.stopping || this.round) return;
    // A failed round (the database busy, say) is logged and retried at the next poll; it must never reject,
    // since nothing awaits a timer's promise and an unhandled rejection ends the process.
    const round = () =>
      this.runOnce().catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'relay round failed');
        return 0;
      });
    this.round = round();
    try {
      // Keep going while there is a backlog or new email, without waiting for the next poll.
      for (;;) {
        const handled = await this.round;
        const again = handled === this.deps.settings.batchSize || this.woken;
        this.woken = false;
        if (!again || this.stopping) break;
        this.round = round();
      }
    } finally {
      this.round = undefined;
    }
  }

  private async deliver(row: OutboxRow): Promise<Result> {
    const { store, settings } = this.deps;
    const mailbox = await store.mailboxes.findById(row.mailbox_id);
    const log = this.deps.logger.child({ mailbox: mailbox?.address, outboxId: row.id, ticketId: row.ticket_id });
    // Only the ticket's own linked mailbox ever sends; an unlinked one fails the row where an admin can see it.
    if (!mailbox || mailbox.state === 'unlinked') return this.fail(row, 'mailbox_unlinked: the ticket\'s mailbox is no longer linked', log);
    if (mailbox.state !== 'active') {
      await store.outbox.reschedule(row.id, { at: later(settings.inactiveMailboxRetryMs), error: `mailbox_${mailbox.state}: waiting for the mailbox to be active`, outcomeUnknown: row.outcome_unknown === 1 });
      return 'rescheduled';
    }
    const messageId = row.message_id ?? (await store.outbox.assignMessageId(row.id, mintMessageId({ ticketId: row.ticket_id, outboxId: row.id }, settings.messageIdDomain)));
    const client = this.deps.clients.client(mailbox.id);

    try {
      if (row.outcome_unknown === 1) {
        const settled = await this.settle(row, mailbox, messageId, log);
        if (settled !== 'not_sent') return settled;
      }
      if (row.attempts >= settings.maxAttempts) return this.fail(row, `gave_up: ${row.attempts} attempts; last error: ${row.last_error ?? 'none'}`, log);

      const email = await this.compose(row, mailbox, messageId);
      const size = messageSize(email);
      if (size > MAX_MESSAGE_BYTES) {
        return this.fail(row, `too_large: the email and its files come to ${size} bytes, more than Exchange sends in one message (${MAX_MESSAGE_BYTES})`, log);
      }
      // The attempt is recorded when the governor lets the send leave, not while it waits for a slot.
      const markAttempt = async () => {
        // A stop waits for the sends already on their way, not for those still queued for a slot of the
        // mailbox (a round holds up to batchSize): they are handed back, for the next relay to send.
        if (this.stopping) throw new StoppingError(row.id);
        if (!(await store.outbox.markAttempt(row.id, this.instanceId))) throw new LeaseLostError(row.id);
      };
      const mime = estimatedMimeBytes(email) <= MAX_SENDMAIL_MIME_BYTES ? await composeMime(email) : undefined;
      if (mime && mime.length <= MAX_SENDMAIL_MIME_BYTES) {
        await sendMime(client, mailbox.address, mime, markAttempt);
      } else if ((await this.sendThroughDraft(row, mailbox, email, markAttempt, log)) === 'found') {
        await this.recordSent(row, mailbox, messageId);
        return 'settled_as_sent';
      }
      await this.recordSent(row, mailbox, messageId);
      return 'sent';
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Another relay holds the row now; it sends it. Nothing of ours went out.
        log.warn('lease lost before the send left; leaving the row to its new owner');
        return 'lease_lost';
      }
      if (error instanceof StoppingError) {
        await store.outbox.release(row.id, this.instanceId);
        return 'released';
      }
      return this.afterError(row, error, log);
    }
  }

  private async afterError(row: OutboxRow, error: unknown, log: Logger): Promise<Result> {
    const { settings } = this.deps;
    // A send is a request with an effect: an answer lost or a server error leaves its outcome unknown.
    const failure = classifyFailure(error, { mayHaveTakenEffect: true });
    if (failure.source === 'internal') throw error;
    let wait: number | undefined;
    switch (failure.kind) {
      case 'outcome_unknown':
        // The email may be out: settle it against the mailbox before any resend.
        wait = settings.unknownOutcomeSettleMs;
        break;
      case 'throttled':
      case 'transient':
        // No token could be had (Entra out of service): nothing left, so the wait is the mailbox's, not a backoff per send attempt.
        wait = failure.source === 'identity' ? settings.inactiveMailboxRetryMs : (failure.retryAfterMs ?? backoff(row.attempts + 1));
        break;
      case 'permission_missing':
        // Graph refused this mailbox's token or permission: an admin may restore it before the attempts run out.
        wait = failure.source === 'identity' ? settings.inactiveMailboxRetryMs : backoff(row.attempts + 1);
        break;
      default:
        // A lost grant or an unlinked mailbox waits for the mailbox, as a paused one does; for Graph, an invalid
        // recipient, a refused From, a message too large or a malformed request: repeating will not help.
        if (failure.source === 'identity') wait = settings.inactiveMailboxRetryMs;
    }
    const reason = `${failure.code}: ${failure.message}`;
    if (wait === undefined) return this.fail(row, reason, log);
    const unknown = failure.kind === 'outcome_unknown';
    await this.deps.store.outbox.reschedule(row.id, { at: later(wait), error: reason, outcomeUnknown: unknown || row.outcome_unknown === 1 });
    log.warn({ code: failure.code, failureClass: failure.kind, unknown }, 'send not confirmed; will retry');
    return 'rescheduled';
  }

  /**
   * Settles a send whose answer was lost. Found in the mailbox (Sent Items, the Outbox, or submitted in
   * Drafts), Exchange has it and sends it: recorded as sent, never sent again. Not found, it is looked for
   * again `secondLookMs` later (a request slow to take effect lands in between); only after two looks that
   * found nothing does it go again ('not_sent').
   */
  private async settle(row: OutboxRow, mailbox: MailboxRow, messageId: string, log: Logger): Promise<Result | 'not_sent'> {
    const { store, settings } = this.deps;
    const settleAt = Date.parse(row.last_attempt_at ?? row.created_at) + settings.unknownOutcomeSettleMs;
    if (Date.now() < settleAt) {
      await store.outbox.reschedule(row.id, { at: new Date(settleAt).toISOString(), error: row.last_error ?? 'outcome unknown', outcomeUnknown: true });
      return 'rescheduled';
    }
    const copy = await findOurMessage(this.deps.clients.client(mailbox.id), mailbox.address, messageId);
    if (copy.place !== 'absent' && copy.place !== 'unsent_draft') {
      await this.recordSent(row, mailbox, messageId);
      log.info({ foundIn: copy.place }, SETTLED_AS_SENT);
      return 'settled_as_sent';
    }
    if ((await store.outbox.recordSettleLook(row.id)) < 2) {
      await store.outbox.reschedule(row.id, { at: later(settings.secondLookMs), error: `outcome unknown: not in the mailbox at the first look (${copy.place}); looking again before any resend`, outcomeUnknown: true });
      return 'rescheduled';
    }
    log.warn({ foundIn: copy.place }, 'an earlier attempt is not in the mailbox after two looks; sending again');
    return 'not_sent';
  }

  /**
   * An email too large for one sendMail request: a draft of its text (and the files that fit beside it), each
   * other file attached (through an upload session from 3 MB), then the draft's send. Drafts of earlier
   * attempts that never sent are deleted first, so a half-built draft is never sent, nor left behind.
   */
  private async sendThroughDraft(row: OutboxRow, mailbox: MailboxRow, email: OutgoingEmail, markAttempt: () => Promise<void>, log: Logger): Promise<'sent' | 'found'> {
    const { store } = this.deps;
    const client = this.deps.clients.client(mailbox.id);
    if (row.draft_id) await deleteDraft(client, mailbox.address, row.draft_id);
    const copy = await findOurMessage(client, mailbox.address, email.messageId);
    // Only a send that may have left flags a row for settling; this look costs one more request per large
    // email, and makes sure no other path ever builds a second copy of one Exchange already has.
    if (copy.place !== 'absent' && copy.place !== 'unsent_draft') {
      log.info({ foundIn: copy.place }, SETTLED_AS_SENT);
      return 'found';
    }
    if (copy.place === 'unsent_draft') for (const id of copy.ids) await deleteDraft(client, mailbox.address, id);
    const { inDraft, separate } = splitAttachments(email);
    const draftId = await createDraft(client, mailbox.address, await composeMime({ ...email, attachments: inDraft }));
    await store.outbox.setDraft(row.id, draftId);
    for (const file of separate) await attachFile(client, mailbox.address, draftId, { filename: file.filename, contentType: file.contentType, content: file.content, contentId: file.contentId ?? null, inline: Boolean(file.contentId) });
    await sendDraft(client, mailbox.address, draftId, markAttempt);
    log.info({ bytes: messageSize(email), files: separate.length, uploadSessions: separate.filter((f) => f.content.length >= UPLOAD_SESSION_MIN_BYTES).length }, 'large email sent as a draft with its files attached');
    return 'sent';
  }

  private async compose(row: OutboxRow, mailbox: MailboxRow, messageId: string): Promise<OutgoingEmail> {
    const source = await this.deps.store.outbox.findComposeSource(row.id);
    if (!source) throw new Error(`Ticket ${row.ticket_id} of outbox row ${row.id} not found`);
    const { ticket, requester, comment, thread } = source;
    const lastInbound = [...thread].reverse().find((m) => m.direction === 'inbound');
    const files = await this.deps.store.outbox.attachmentsFor(row.id);
    return {
      from: { name: mailbox.display_name, address: mailbox.address },
      to: row.recipients.to,
      cc: row.recipients.cc,
      messageId,
      inReplyTo: lastInbound?.internetMessageId ?? null,
      references: thread.map((m) => m.internetMessageId).slice(-20),
      content: renderEmail({
        kind: row.kind,
        language: mailbox.language,
        ticketSubject: ticket.subject,
        referenceToken: referenceToken(ticketReference(ticket.id, ticket.referenceTag)),
        requesterName: requester?.displayName ?? null,
        requesterAddress: requester?.email ?? null,
        authorName: row.kind === 'ticket_received' ? null : (comment?.authorName ?? null),
        commentText: row.kind === 'ticket_received' ? null : (comment?.bodyText ?? null),
      }),
      accountId: mailbox.id,
      emailId: row.id,
      attachments: files.map((f) => ({ filename: f.filename, contentType: f.contentType, content: f.content, contentId: f.contentId })),
    };
  }

  private async recordSent(row: OutboxRow, mailbox: MailboxRow, messageId: string): Promise<void> {
    await this.deps.store.transaction(async (repos) => {
      await repos.outbox.markSent(row.id);
      await repos.mailMessages.insert({
        mailboxId: mailbox.id,
        internetMessageId: messageId,
        graphMessageId: null,
        direction: 'outbound',
        ticketId: row.ticket_id,
        commentId: row.comment_id,
        disposition: 'sent',
        dispositionReason: row.kind,
        fromAddress: mailbox.address,
        subject: null,
      });
    });
    this.deps.onSent?.(row);
  }

  /** Fails the row and says so on the ticket, where agents and admins see it. */
  private async fail(row: OutboxRow, reason: string, log: Logger): Promise<Result> {
    await this.deps.store.transaction(async (repos) => {
      await repos.outbox.markFailed(row.id, reason);
      const system = await repos.users.ensureSystemUser();
      const to = row.recipients.to.join(', ');
      await repos.tickets.addComment({ ticketId: row.ticket_id, authorId: system.id, visibility: 'internal', source: 'system', bodyText: `The ${row.kind.replace(/_/g, ' ')} email to ${to} could not be sent: ${reason}` });
    });
    log.warn({ reason }, 'outgoing email failed');
    return 'failed';
  }
}

/** The size Exchange holds a message to: its text and its files at their own size. */
function messageSize(email: OutgoingEmail): number {
  return Buffer.byteLength(email.content.text) + Buffer.byteLength(email.content.html ?? '') + email.attachments.reduce((n, a) => n + a.content.length, 0);
}

/** A generous estimate of the composed MIME (base64 grows files by a third, plus line breaks and headers). */
function estimatedMimeBytes(email: OutgoingEmail): number {
  return 16_384 + 2 * messageSize(email) - email.attachments.reduce((n, a) => n + Math.floor(a.content.length / 2), 0);
}

/**
 * Which files go into the draft's own MIME (small ones, while the request stays under sendMail's size) and
 * which are attached to the draft one by one afterwards.
 */
function splitAttachments(email: OutgoingEmail): { inDraft: OutgoingEmail['attachments']; separate: OutgoingEmail['attachments'] } {
  let room = MAX_SENDMAIL_MIME_BYTES - estimatedMimeBytes({ ...email, attachments: [] });
  const inDraft: OutgoingEmail['attachments'] = [];
  const separate: OutgoingEmail['attachments'] = [];
  for (const file of email.attachments) {
    const cost = Math.ceil((file.content.length * 4) / 3) + 1024;
    if (file.content.length < UPLOAD_SESSION_MIN_BYTES && cost <= room) {
      inDraft.push(file);
      room -= cost;
    } else {
      separate.push(file);
    }
  }
  return { inDraft, separate };
}

function later(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

function backoff(attempt: number): number {
  return Math.min(15 * 60_000, 1000 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
}
