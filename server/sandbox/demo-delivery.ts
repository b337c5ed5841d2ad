import { DEMO_MAIL_KINDS, DemoMailGenerator, randomSeed, type DemoMailKind } from './demo-mail';
import { MESSAGE_ID_HOST } from './graph/send-mail';
import type { Mailbox, MailStore } from './mail-store';
import { messageFieldsFromMime } from './mime-to-message';
import type { Transport } from './transport';

/**
 * Demo mail into a sandbox mailbox, as customers write it: the demo trickle and the control API's
 * `POST /sandbox/mailboxes/{address}/demo-mail` share it. A `reply` is, where it can be, a demo customer
 * answering the last email the mailbox sent them (through the transport, so it arrives as real mail does and
 * threads on the helpdesk's own Message-ID); otherwise the generator's follow-up to one of its earlier questions.
 */

export { DEMO_MAIL_KINDS, type DemoMailKind };

export interface DemoDelivered {
  kind: DemoMailKind;
  subject: string;
  internetMessageId: string;
  /** The message's REST id in the mailbox, or null for a customer's reply still on its way through the transport. */
  id: string | null;
  from: { name: string; address: string };
}

export class DemoDelivery {
  /** One generator per mailbox: its follow-ups answer its own earlier questions. */
  private readonly generators = new Map<string, DemoMailGenerator>();
  /** Sent emails a customer already answered (each gets one answer). */
  private readonly answered = new Set<string>();

  constructor(
    private readonly store: MailStore,
    private readonly transport: Transport,
    /** The customers who may answer: addresses with a sandbox mailbox (the demo tenant's customers). */
    private readonly customers: readonly string[],
  ) {}

  /** Delivers one email of `kind` (default: the realistic mix) into `mailbox`. */
  async deliver(mailbox: Mailbox, kind?: DemoMailKind): Promise<DemoDelivered> {
    if (kind === 'reply') {
      const replied = await this.customerReply(mailbox);
      if (replied) return replied;
    }
    const mail = await this.generatorFor(mailbox).next(kind);
    const stored = await this.store.deliver(mailbox, mail.mime);
    return { kind: mail.kind, subject: mail.subject, internetMessageId: stored.fields.internetMessageId, id: this.store.restId(stored), from: mail.from };
  }

  /** A demo customer answers the last email `mailbox` sent them; null when none is waiting for an answer. */
  async customerReply(mailbox: Mailbox): Promise<DemoDelivered | null> {
    for (const address of this.customers) {
      const customer = this.store.mailboxByAddress(address);
      const last = customer ? this.store.inbox(customer).messages.at(-1) : undefined;
      if (!customer || !last || this.answered.has(last.fields.internetMessageId) || last.fields.from?.emailAddress.address.toLowerCase() !== mailbox.address.toLowerCase()) continue;
      this.answered.add(last.fields.internetMessageId);
      const mail = await this.generatorFor(mailbox).replyTo({
        messageId: last.fields.internetMessageId,
        subject: last.fields.subject,
        from: { name: mailbox.displayName, address: mailbox.address },
        to: { name: customer.displayName, address: customer.address },
      });
      const fields = await messageFieldsFromMime(mail.mime, MESSAGE_ID_HOST);
      this.transport.submit({ mailbox: customer, raw: mail.mime, fields, saveToSentItems: true });
      return { kind: 'reply', subject: mail.subject, internetMessageId: fields.internetMessageId, id: null, from: { name: customer.displayName, address: customer.address } };
    }
    return null;
  }

  private generatorFor(mailbox: Mailbox): DemoMailGenerator {
    const key = mailbox.address.toLowerCase();
    let generator = this.generators.get(key);
    if (!generator) this.generators.set(key, (generator = new DemoMailGenerator({ to: mailbox.address, toName: mailbox.displayName, seed: randomSeed() })));
    return generator;
  }
}
