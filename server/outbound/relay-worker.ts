import { randomUUID } from 'node:crypto';
import { GraphRequestError } from '../graph/errors';
import type { MailboxClients } from '../graph/mailbox-clients';
import { isInSentItems, MAX_SENDMAIL_MIME_BYTES, sendMime } from '../graph/send-operations';
import { MailboxAuthError } from '../identity/mailbox-tokens';
import type { Logger } from '../logger';
import type { MailboxRow } from '../store/schema';
import type { OutboxRow } from '../store/repositories/outbox';
import type { Store } from '../store/store';
import { DEFAULT_MESSAGE_ID_DOMAIN, mintMessageId } from '../tickets/our-mail-marks';
import { referenceToken, ticketReference } from '../tickets/reference';
import { composeMime } from './compose';
import { renderEmail } from './templates';

export interface RelaySettings {
  messageIdDomain: string;
  /** How long a claimed row is ours; a relay that dies mid-send leaves it to be settled after this. */
  leaseMs: number;
  /** Rows claimed per round. */
  batchSize: number;
  maxAttempts: number;
  /** How long after a send with no answer before Sent Items is trusted to show whether it went out. */
  unknownOutcomeSettleMs: number;
  /** Wait before retrying a row whose mailbox is paused or needs re-authorization. */
  inactiveMailboxRetryMs: number;
  pollMs: number;
}

export const DEFAULT_RELAY_SETTINGS: RelaySettings = {
  messageIdDomain: DEFAULT_MESSAGE_ID_DOMAIN,
  leaseMs: 120_000,
  batchSize: 50,
  maxAttempts: 12,
  unknownOutcomeSettleMs: 30_000,
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

type Result = 'sent' | 'settled_as_sent' | 'rescheduled' | 'failed' | 'lease_lost';

class LeaseLostError extends Error {
  constructor(outboxId: number) {
    super(`The lease on outbox row ${outboxId} expired before its send left`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Sends the outbox: claims due rows under a lease, composes each email and sends it with sendMail from the
 * ticket's own linked mailbox, through the mailbox's governor. A send without an answer is never simply
 * repeated: after a settling delay, Sent Items is searched for the email's Message-ID first.
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
    const rows = await this.deps.store.outbox.claimDue({ owner: this.instanceId, leaseMs: this.deps.settings.leaseMs, limit: this.deps.settings.batchSize });
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
        const settleAt = Date.parse(row.last_attempt_at ?? row.created_at) + settings.unknownOutcomeSettleMs;
        if (Date.now() < settleAt) {
          await store.outbox.reschedule(row.id, { at: new Date(settleAt).toISOString(), error: row.last_error ?? 'outcome unknown', outcomeUnknown: true });
          return 'rescheduled';
        }
        if (await isInSentItems(client, mailbox.address, messageId)) {
          await this.recordSent(row, mailbox, messageId);
          log.info('an earlier attempt had been sent after all; not sending again');
          return 'settled_as_sent';
        }
      }
      if (row.attempts >= settings.maxAttempts) return this.fail(row, `gave_up: ${row.attempts} attempts; last error: ${row.last_error ?? 'none'}`, log);

      const mime = await this.compose(row, mailbox, messageId);
      if (mime.length > MAX_SENDMAIL_MIME_BYTES) {
        return this.fail(row, `too_large: the email is ${mime.length} bytes, more than one sendMail request carries (${MAX_SENDMAIL_MIME_BYTES})`, log);
      }
      // The attempt is recorded when the governor lets the send leave, not while it waits for a slot.
      await sendMime(client, mailbox.address, mime, async () => {
        if (!(await store.outbox.markAttempt(row.id, this.instanceId))) throw new LeaseLostError(row.id);
      });
      await this.recordSent(row, mailbox, messageId);
      return 'sent';
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Another relay holds the row now; it sends it. Nothing of ours went out.
        log.warn('lease lost before the send left; leaving the row to its new owner');
        return 'lease_lost';
      }
      return this.afterError(row, error, log);
    }
  }

  private async afterError(row: OutboxRow, error: unknown, log: Logger): Promise<Result> {
    const { store } = this.deps;
    const attempt = row.attempts + 1;
    if (error instanceof MailboxAuthError) {
      await store.outbox.reschedule(row.id, { at: later(this.deps.settings.inactiveMailboxRetryMs), error: `${error.code}: ${error.message}`, outcomeUnknown: row.outcome_unknown === 1 });
      return 'rescheduled';
    }
    if (!(error instanceof GraphRequestError)) throw error;
    // No answer, or a gateway that may have passed the request on: the email may be out. Settle it first.
    const unknown = error.status === 0 || error.status === 500 || error.status === 502 || error.status === 504;
    if (error.kind === 'throttled' || error.kind === 'transient' || error.kind === 'unauthorized') {
      const wait = unknown ? this.deps.settings.unknownOutcomeSettleMs : (error.retryAfterMs ?? backoff(attempt));
      await store.outbox.reschedule(row.id, { at: later(wait), error: `${error.graphCode}: ${error.message}`, outcomeUnknown: unknown || row.outcome_unknown === 1 });
      log.warn({ code: error.graphCode, unknown }, 'send not confirmed; will retry');
      return 'rescheduled';
    }
    // Invalid recipient, refused From, malformed request: repeating will not help.
    return this.fail(row, `${error.graphCode}: ${error.message}`, log);
  }

  private async compose(row: OutboxRow, mailbox: MailboxRow, messageId: string): Promise<Buffer> {
    const source = await this.deps.store.outbox.findComposeSource(row.id);
    if (!source) throw new Error(`Ticket ${row.ticket_id} of outbox row ${row.id} not found`);
    const { ticket, requester, comment, thread } = source;
    const lastInbound = [...thread].reverse().find((m) => m.direction === 'inbound');
    return composeMime({
      from: { name: mailbox.display_name, address: mailbox.address },
      to: row.recipients.to,
      cc: row.recipients.cc,
      messageId,
      inReplyTo: lastInbound?.internetMessageId ?? null,
      references: thread.map((m) => m.internetMessageId).slice(-20),
      content: renderEmail({
        kind: row.kind,
        ticketSubject: ticket.subject,
        referenceToken: referenceToken(ticketReference(ticket.id, ticket.referenceTag)),
        requesterName: requester?.displayName ?? null,
        requesterAddress: requester?.email ?? null,
        authorName: row.kind === 'ticket_received' ? null : (comment?.authorName ?? null),
        commentText: row.kind === 'ticket_received' ? null : (comment?.bodyText ?? null),
      }),
      accountId: mailbox.id,
      emailId: row.id,
      attachments: [],
    });
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

function later(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

function backoff(attempt: number): number {
  return Math.min(15 * 60_000, 1000 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
}
