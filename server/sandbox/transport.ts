import type { Logger } from 'pino';
import { buildBounce, headerBlock } from './bounce-report';
import type { Directory } from './directory';
import { ownedCopy, type Mailbox, type MailStore, type StoredMessage } from './mail-store';
import { rewriteHeaders } from './mime-headers';
import type { MessageFields } from './mime-to-message';

/**
 * What happens to a message Exchange accepted (sendMail's 202, a draft's send): it is saved in Drafts, moves to
 * the Outbox, leaves when the mailbox's message rate allows (at most 30 a minute; the rest waits in the
 * Outbox), and is filed in Sent Items a while after it left. Recipients that are sandbox mailboxes get it when
 * it leaves; an unknown recipient in a sandbox domain bounces back to the sender. Exchange's submission quota
 * (10,000 recipients a rolling day) is checked when a message is submitted.
 */

export interface DelayRange {
  min: number;
  max: number;
}

export interface SendingBehaviour {
  /** From acceptance (saved in Drafts) to the Outbox. */
  outboxDelayMs: DelayRange;
  /** From leaving to the copy filed in Sent Items (or dropped, without saveToSentItems). */
  sentItemsDelayMs: DelayRange;
  /** At most `messages` leave a mailbox per rolling `windowMs`; undefined: no limit. */
  messageRate: { messages: number; windowMs: number } | undefined;
  /** At most `recipients` (To, Cc and Bcc, repeats counted) submitted per rolling `windowMs`; undefined: no limit. */
  recipientRate: { recipients: number; windowMs: number } | undefined;
}

/**
 * Exchange Online's sending limits (service description "Exchange Online limits", sending limits): 30
 * messages a minute, 10,000 recipients a day; the Sent Items copy comes seconds to tens of seconds later.
 */
export const EXCHANGE_SENDING: SendingBehaviour = {
  outboxDelayMs: { min: 100, max: 2_000 },
  sentItemsDelayMs: { min: 1_000, max: 30_000 },
  messageRate: { messages: 30, windowMs: 60_000 },
  recipientRate: { recipients: 10_000, windowMs: 24 * 60 * 60 * 1000 },
};

export interface SentRecord {
  /** The message as it moves (Drafts, Outbox, Sent Items); its REST id changes with each move, as in Exchange. */
  message: StoredMessage;
  internetMessageId: string;
  mime: Buffer;
  submittedAt: number;
  /** When it left the Outbox; undefined while it waits there. */
  sentAt: number | undefined;
  /** When the Sent Items copy was filed (or, without saveToSentItems, the Outbox copy dropped). */
  filedAt: number | undefined;
  saveToSentItems: boolean;
  recipients: number;
}

/** Why a submission was refused. */
export type SubmitRefusal = { reason: 'submission_quota'; recipients: number; limit: number };

export class Transport {
  private readonly sent = new Map<string, SentRecord[]>();
  /** Per mailbox: messages in the Outbox waiting for the message rate, oldest first. */
  private readonly waiting = new Map<string, SentRecord[]>();
  /** Per mailbox: when messages left, within the rate window. */
  private readonly departures = new Map<string, number[]>();
  /** Per mailbox: recipients submitted within the recipient window. */
  private readonly submissions = new Map<string, { at: number; recipients: number }[]>();
  private readonly pumpTimers = new Map<string, NodeJS.Timeout>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: MailStore,
    private readonly directory: Directory,
    private readonly logger: Logger,
    readonly behaviour: SendingBehaviour = EXCHANGE_SENDING,
  ) {
    for (const [name, range] of [['outboxDelayMs', behaviour.outboxDelayMs], ['sentItemsDelayMs', behaviour.sentItemsDelayMs]] as const) {
      if (!(Number.isFinite(range.min) && Number.isFinite(range.max) && range.min >= 0 && range.max >= range.min)) throw new RangeError(`${name} must be a range 0 <= min <= max, got ${JSON.stringify(range)}`);
    }
    // 0, NaN or a fraction must never quietly switch a limit off; only undefined does.
    const positive = (name: string, v: number) => {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
    };
    if (behaviour.messageRate) {
      positive('messageRate.messages', behaviour.messageRate.messages);
      positive('messageRate.windowMs', behaviour.messageRate.windowMs);
    }
    if (behaviour.recipientRate) {
      positive('recipientRate.recipients', behaviour.recipientRate.recipients);
      positive('recipientRate.windowMs', behaviour.recipientRate.windowMs);
    }
  }

  /**
   * The submission quota, checked as Exchange checks it before a send: the recipients of this message on top of
   * those submitted in the rolling window. Returns the refusal, or undefined when the message may go.
   */
  checkQuota(mailbox: Mailbox, recipients: number, now = Date.now()): SubmitRefusal | undefined {
    const rate = this.behaviour.recipientRate;
    if (!rate) return undefined;
    const list = this.pruned(this.submissions, mailbox.guid, now - rate.windowMs);
    const used = list.reduce((n, s) => n + s.recipients, 0);
    return used + recipients > rate.recipients ? { reason: 'submission_quota', recipients: used, limit: rate.recipients } : undefined;
  }

  /**
   * sendMail: saves the message in Drafts, already submitted (isDraft false), and starts it on its way.
   * The caller has checked the quota (checkQuota) in the same turn.
   */
  submit(input: { mailbox: Mailbox; raw: Buffer; fields: MessageFields; saveToSentItems: boolean }): SentRecord {
    const { mailbox } = input;
    const message = this.store.insert(mailbox, ownedCopy(input.raw), input.fields, { folder: this.store.wellKnown(mailbox, 'drafts'), isRead: true, isDraft: false });
    return this.start(message, input.saveToSentItems);
  }

  /** A draft's send: the draft, where it is, is submitted and starts on its way. */
  submitDraft(draft: StoredMessage): SentRecord {
    this.store.update(draft, { isDraft: false });
    return this.start(draft, true);
  }

  sentBy(mailbox: Mailbox): SentRecord[] {
    return this.sent.get(mailbox.guid) ?? [];
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.pumpTimers.values()) clearTimeout(t);
    this.pumpTimers.clear();
  }

  private start(message: StoredMessage, saveToSentItems: boolean): SentRecord {
    const { mailbox, fields } = message;
    const recipients = fields.toRecipients.length + fields.ccRecipients.length + fields.bccRecipients.length;
    const now = Date.now();
    const record: SentRecord = { message, internetMessageId: fields.internetMessageId, mime: message.raw, submittedAt: now, sentAt: undefined, filedAt: undefined, saveToSentItems, recipients };
    const log = this.sent.get(mailbox.guid) ?? [];
    log.push(record);
    this.sent.set(mailbox.guid, log);
    if (this.behaviour.recipientRate) {
      const list = this.submissions.get(mailbox.guid) ?? [];
      list.push({ at: now, recipients });
      this.submissions.set(mailbox.guid, list);
    }
    this.later(this.behaviour.outboxDelayMs, () => {
      // Deleted before it reached the Outbox: Exchange never sends it.
      if (!this.isLive(message)) return;
      this.store.move(message, this.store.wellKnown(mailbox, 'outbox'));
      const queue = this.waiting.get(mailbox.guid) ?? [];
      queue.push(record);
      this.waiting.set(mailbox.guid, queue);
      this.pump(mailbox);
    });
    return record;
  }

  /** Lets waiting messages leave while the message rate has room; otherwise wakes when the oldest departure ages out. */
  private pump(mailbox: Mailbox): void {
    const queue = this.waiting.get(mailbox.guid) ?? [];
    const rate = this.behaviour.messageRate;
    for (;;) {
      const next = queue[0];
      if (!next) return;
      const now = Date.now();
      if (rate) {
        const recent = this.pruned(this.departures, mailbox.guid, now - rate.windowMs);
        if (recent.length >= rate.messages) {
          if (!this.pumpTimers.has(mailbox.guid)) {
            const wait = Math.max(1, (recent[0] ?? now) + rate.windowMs - now);
            const timer = setTimeout(() => {
              this.pumpTimers.delete(mailbox.guid);
              this.pump(mailbox);
            }, wait);
            timer.unref();
            this.pumpTimers.set(mailbox.guid, timer);
          }
          return;
        }
        recent.push(now);
      }
      queue.shift();
      this.leave(next, now);
    }
  }

  private leave(record: SentRecord, now: number): void {
    const { message } = record;
    // Deleted from the Outbox while it waited: it does not go.
    if (!this.isLive(message)) return;
    record.sentAt = now;
    try {
      this.deliver(message.mailbox, record.mime, message.fields);
    } catch (err) {
      this.logger.error({ err, mailbox: message.mailbox.address }, 'sandbox transport failed');
    }
    this.later(this.behaviour.sentItemsDelayMs, () => {
      record.filedAt = Date.now();
      if (!this.isLive(message)) return;
      if (record.saveToSentItems) {
        this.store.move(message, this.store.wellKnown(message.mailbox, 'sentitems'));
      } else {
        this.store.remove(message);
      }
    });
  }

  private deliver(sender: Mailbox, raw: Buffer, fields: MessageFields): void {
    // Recipients never see Bcc; they share one copy of the bytes.
    const delivered = ownedCopy(rewriteHeaders(raw, { remove: ['bcc'] }));
    const recipientFields: MessageFields = { ...fields, bccRecipients: [] };
    const all = [...fields.toRecipients, ...fields.ccRecipients, ...fields.bccRecipients].map((r) => r.emailAddress.address.toLowerCase());
    for (const address of new Set(all)) {
      const target = this.store.mailboxByAddress(address);
      if (target) {
        this.store.insert(target, delivered, recipientFields);
      } else if (this.directory.isLocalDomain(address)) {
        this.bounce(sender, address, raw, fields);
      }
    }
    this.logger.debug({ mailbox: sender.address, internetMessageId: fields.internetMessageId }, 'sandbox transport delivered');
  }

  private bounce(sender: Mailbox, failed: string, raw: Buffer, fields: MessageFields): void {
    const domain = sender.address.split('@')[1] ?? 'sandbox.test';
    const ndr = buildBounce({
      to: sender.address,
      from: `postmaster@${domain}`,
      failedRecipient: failed,
      originalSubject: fields.subject,
      originalMessageId: fields.internetMessageId,
      originalHeaders: headerBlock(raw),
      reportingMta: 'SANDBOX01.namprd00.prod.outlook.com',
    });
    void this.store.deliver(sender, ndr).catch((err: unknown) => this.logger.error({ err, mailbox: sender.address }, 'sandbox bounce delivery failed'));
  }

  private isLive(m: StoredMessage): boolean {
    return m.mailbox.messages.get(m.seq) === m;
  }

  /** The list of `map` for `key` without entries at or before `cutoff` (pruned in place). */
  private pruned<T extends number | { at: number }>(map: Map<string, T[]>, key: string, cutoff: number): T[] {
    let list = map.get(key);
    if (!list) {
      list = [];
      map.set(key, list);
    }
    let drop = 0;
    while (drop < list.length && at(list[drop]!) <= cutoff) drop++;
    if (drop > 0) list.splice(0, drop);
    return list;
  }

  private later(range: DelayRange, fn: () => void): void {
    const delay = range.min + Math.random() * (range.max - range.min);
    const t = setTimeout(() => {
      this.timers.delete(t);
      try {
        fn();
      } catch (err) {
        this.logger.error({ err }, 'sandbox transport failed');
      }
    }, delay);
    this.timers.add(t);
  }
}

function at(entry: number | { at: number }): number {
  return typeof entry === 'number' ? entry : entry.at;
}
