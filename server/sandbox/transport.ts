import type { Logger } from 'pino';
import { buildBounce, headerBlock } from './bounce-report';
import type { Directory } from './directory';
import { encodeId, IdKind } from './ids';
import { ownedCopy, type Mailbox, type MailStore } from './mail-store';
import { rewriteHeaders } from './mime-headers';
import type { MessageFields } from './mime-to-message';

/**
 * What happens after sendMail's 202: the message is logged as sent at once (the control API's /sent), and a
 * moment later, asynchronously as in Exchange, the copy lands in Sent Items and recipients that are sandbox
 * mailboxes get it in their inbox. An unknown recipient in a sandbox domain bounces back to the sender.
 */

export interface SentRecord {
  id: string;
  internetMessageId: string;
  mime: Buffer;
  sentAt: number;
}

/** Exchange files the Sent Items copy shortly after accepting; clients must not expect it at once. */
export const DEFAULT_SENT_ITEMS_DELAY_MS = 50;

export class Transport {
  private readonly sent = new Map<string, SentRecord[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: MailStore,
    private readonly directory: Directory,
    private readonly logger: Logger,
    private readonly delayMs: number = DEFAULT_SENT_ITEMS_DELAY_MS,
  ) {}

  submit(input: { mailbox: Mailbox; raw: Buffer; fields: MessageFields; saveToSentItems: boolean }): SentRecord {
    const { mailbox, fields } = input;
    // One owned copy for the sender's side, one for all recipients: later inserts share them.
    const raw = ownedCopy(input.raw);
    const seq = this.store.reserveSeq(mailbox);
    const record: SentRecord = { id: encodeId(IdKind.Message, mailbox.guid, seq, 0), internetMessageId: fields.internetMessageId, mime: raw, sentAt: Date.now() };
    const log = this.sent.get(mailbox.guid) ?? [];
    log.push(record);
    this.sent.set(mailbox.guid, log);

    this.later(() => {
      if (input.saveToSentItems) {
        this.store.insert(mailbox, raw, fields, { folder: this.store.wellKnown(mailbox, 'sentitems'), isRead: true, seq });
      }
      // Recipients never see Bcc; they share one copy of the bytes.
      const delivered = ownedCopy(rewriteHeaders(raw, { remove: ['bcc'] }));
      const recipientFields: MessageFields = { ...fields, bccRecipients: [] };
      const all = [...fields.toRecipients, ...fields.ccRecipients, ...fields.bccRecipients].map((r) => r.emailAddress.address.toLowerCase());
      for (const address of new Set(all)) {
        const target = this.store.mailboxByAddress(address);
        if (target) {
          this.store.insert(target, delivered, recipientFields);
        } else if (this.directory.isLocalDomain(address)) {
          this.bounce(mailbox, address, raw, fields);
        }
      }
      this.logger.debug({ mailbox: mailbox.address, internetMessageId: fields.internetMessageId }, 'sandbox transport delivered');
    });
    return record;
  }

  sentBy(mailbox: Mailbox): SentRecord[] {
    return this.sent.get(mailbox.guid) ?? [];
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      try {
        fn();
      } catch (err) {
        this.logger.error({ err }, 'sandbox transport failed');
      }
    }, this.delayMs);
    this.timers.add(t);
  }
}
