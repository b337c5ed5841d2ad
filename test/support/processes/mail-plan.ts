import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailMessageRow } from '../../../server/store/repositories/mail-messages';
import type { Store } from '../../../server/store/store';
import type { SandboxControl } from '../sandbox';

/**
 * A deterministic batch of inbound mail whose fate is known in advance, for crash and multi-instance tests:
 * every conversation comes from its own customer (so the sender-burst limit of 20 per sender never applies),
 * starts with a new request (-> ticket_created), and some get a reply later in the same mailbox (-> a public
 * comment on that ticket, threaded by In-Reply-To). A few requests are addressed to two linked mailboxes at
 * once (-> one ticket, the other copy recorded as a duplicate).
 */

export interface PlannedMessage {
  /** Where the copy is delivered. */
  address: string;
  messageId: string;
  kind: 'request' | 'reply';
  /** Index of the conversation (its customer). */
  thread: number;
  /** What the customer's mail client sends (composed into MIME at delivery). */
  mail: ComposeOptions;
}

export interface PlanOptions {
  addresses: readonly string[];
  threads: number;
  /** Share of conversations that get one reply (delivered later). */
  replyRate?: number;
  /** Share of requests sent to two linked mailboxes at once (both copies are adjacent in the plan). */
  crossPostRate?: number;
  seed?: number;
  /** Distinguishes the Message-IDs of different tests. */
  tag: string;
}

/** The messages in delivery order; any prefix of it is a consistent plan too (replies follow requests). */
export function planMail(o: PlanOptions): PlannedMessage[] {
  let state = (o.seed ?? 1) >>> 0 || 1;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const messages: PlannedMessage[] = [];
  const pendingReplies: { after: number; build: () => PlannedMessage }[] = [];

  for (let i = 0; i < o.threads; i++) {
    const customer = { name: `Customer ${i}`, address: `customer-${i}.${o.tag}@example.com` };
    const home = o.addresses[i % o.addresses.length]!;
    const crossPosted = o.addresses.length > 1 && random() < (o.crossPostRate ?? 0);
    const addresses = crossPosted ? [home, o.addresses[(i + 1) % o.addresses.length]!] : [home];
    const requestId = `<req-${i}.${o.tag}@example.com>`;
    const subject = `Order ${10_000 + i} has not arrived`;
    const request: ComposeOptions = {
      from: customer,
      to: addresses.join(', '),
      subject,
      text: `Hello,\n\nmy order ${10_000 + i} has not arrived yet. Could you check with the carrier?\n\nThanks,\n${customer.name}\n`,
      messageId: requestId,
    };
    for (const address of addresses) messages.push({ address, messageId: requestId, kind: 'request', thread: i, mail: request });

    if (!crossPosted && random() < (o.replyRate ?? 0)) {
      // The reply arrives a little later, after a few other customers' mail.
      pendingReplies.push({
        after: i + 1 + Math.floor(random() * 12),
        build: () => {
          const messageId = `<re-${i}.${o.tag}@example.com>`;
          const mail: ComposeOptions = {
            from: customer,
            to: home,
            subject: `Re: ${subject}`,
            text: `Any news on this? It is still not here.\n\n${customer.name}\n\nOn Mon, 2 Nov 2026, ${customer.name} wrote:\n> my order ${10_000 + i} has not arrived yet.\n`,
            messageId,
            inReplyTo: requestId,
            references: requestId,
          };
          return { address: home, messageId, kind: 'reply', thread: i, mail };
        },
      });
    }
    for (const due of pendingReplies.filter((p) => p.after <= i)) {
      messages.push(due.build());
      pendingReplies.splice(pendingReplies.indexOf(due), 1);
    }
  }
  for (const rest of pendingReplies) messages.push(rest.build());
  return messages;
}

export interface ComposeOptions {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references?: string;
}

function compose(options: ComposeOptions): Promise<Buffer> {
  return new MailComposer({ ...options, date: new Date() }).compile().build();
}

/**
 * Delivers messages in order with increasing receivedDateTime (`startAt` + one second per plan index, from
 * `firstIndex`), so the server's "oldest first" is the plan's order; `concurrency` requests at a time.
 */
export async function deliverMessages(control: SandboxControl, messages: readonly PlannedMessage[], options: { startAt: number; firstIndex?: number; concurrency?: number }): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const n = next++;
      const message = messages[n];
      if (!message) return;
      const receivedDateTime = new Date(options.startAt + ((options.firstIndex ?? 0) + n) * 1000).toISOString();
      await control.deliver(message.address, await compose(message.mail), { receivedDateTime });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
}

/** The inbound records of these messages, read from the store. */
export async function recordsOf(store: Store, messages: readonly PlannedMessage[]): Promise<MailMessageRow[]> {
  const ids = [...new Set(messages.map((m) => m.messageId))];
  const rows: MailMessageRow[] = [];
  for (let i = 0; i < ids.length; i += 500) rows.push(...(await store.mailMessages.findByMessageIds(ids.slice(i, i + 500))));
  return rows.filter((r) => r.direction === 'inbound');
}

export interface IngestCheck {
  /** Every way the store differs from "each delivered copy recorded exactly once, as planned". */
  problems: string[];
  delivered: number;
  records: number;
  tickets: number;
  ticketCreatedRecords: number;
  dispositions: Record<string, number>;
}

/**
 * Compares the store with what was delivered: exactly one record per delivered copy in its mailbox (none lost,
 * none twice), each with the planned outcome (a request: ticket_created, its copy in a second mailbox:
 * duplicate of the same ticket; a reply: comment_added on its request's ticket); exactly one ticket per
 * conversation, as many tickets as ticket_created records, one email comment per request and reply, one
 * acknowledgement queued per ticket. The store must hold nothing else (a fresh database per test).
 */
export async function checkIngest(store: Store, delivered: readonly PlannedMessage[], mailboxIds: ReadonlyMap<string, number>): Promise<IngestCheck> {
  const problems: string[] = [];
  const records = await recordsOf(store, delivered);
  const key = (mailboxId: number, messageId: string) => `${mailboxId} ${messageId}`;
  const byKey = new Map<string, MailMessageRow[]>();
  for (const r of records) byKey.set(key(r.mailbox_id, r.internet_message_id), [...(byKey.get(key(r.mailbox_id, r.internet_message_id)) ?? []), r]);

  const expectedKeys = new Set<string>();
  for (const m of delivered) {
    const mailboxId = mailboxIds.get(m.address);
    if (mailboxId === undefined) throw new Error(`no mailbox id for ${m.address}`);
    const k = key(mailboxId, m.messageId);
    expectedKeys.add(k);
    const found = byKey.get(k) ?? [];
    if (found.length === 0) problems.push(`lost: ${m.messageId} in ${m.address}`);
    if (found.length > 1) problems.push(`duplicated: ${m.messageId} in ${m.address} recorded ${found.length} times`);
  }
  for (const r of records) if (!expectedKeys.has(key(r.mailbox_id, r.internet_message_id))) problems.push(`unexpected record: ${r.internet_message_id} in mailbox ${r.mailbox_id}`);

  const threads = new Map<number, { requestId: string; copies: number; replies: number }>();
  for (const m of delivered) {
    const t = threads.get(m.thread) ?? { requestId: '', copies: 0, replies: 0 };
    if (m.kind === 'request') {
      t.requestId = m.messageId;
      t.copies++;
    } else t.replies++;
    threads.set(m.thread, t);
  }
  const ticketOf = new Map<number, number>(); // thread -> ticket id
  for (const [thread, t] of threads) {
    const copies = records.filter((r) => r.internet_message_id === t.requestId);
    const dispositions = copies.map((r) => r.disposition).sort();
    const expected = t.copies === 2 ? ['duplicate', 'ticket_created'] : ['ticket_created'];
    if (JSON.stringify(dispositions) !== JSON.stringify(expected)) problems.push(`thread ${thread}: request recorded as ${JSON.stringify(dispositions)}, expected ${JSON.stringify(expected)}`);
    const ticketIds = new Set(copies.map((r) => r.ticket_id));
    const ticketId = copies[0]?.ticket_id;
    if (ticketIds.size !== 1 || ticketId == null) problems.push(`thread ${thread}: request copies point at tickets ${JSON.stringify([...ticketIds])}`);
    else ticketOf.set(thread, ticketId);
  }
  for (const m of delivered.filter((x) => x.kind === 'reply')) {
    const r = records.find((x) => x.internet_message_id === m.messageId);
    if (!r) continue; // reported as lost above
    if (r.disposition !== 'comment_added' || r.ticket_id !== ticketOf.get(m.thread)) {
      problems.push(`reply ${m.messageId}: ${r.disposition} on ticket ${r.ticket_id}, expected comment_added on ${ticketOf.get(m.thread)}`);
    }
  }

  const tickets = await store.tickets.search({ limit: 1_000_000 });
  const ticketCreated = records.filter((r) => r.disposition === 'ticket_created');
  if (tickets.length !== ticketCreated.length) problems.push(`${tickets.length} tickets but ${ticketCreated.length} ticket_created records`);
  if (tickets.length !== threads.size) problems.push(`${tickets.length} tickets for ${threads.size} conversations`);
  const repliesOf = new Map([...threads].map(([thread, t]) => [ticketOf.get(thread), t.replies]));
  for (const ticket of tickets) {
    const emailComments = (await store.tickets.listComments(ticket.id)).filter((c) => c.source === 'email');
    const expected = 1 + (repliesOf.get(ticket.id) ?? 0);
    if (emailComments.length !== expected) problems.push(`ticket ${ticket.id}: ${emailComments.length} email comments, expected ${expected}`);
    const acks = (await store.outbox.listForTicket(ticket.id)).filter((o) => o.kind === 'ticket_received');
    if (acks.length !== 1) problems.push(`ticket ${ticket.id}: ${acks.length} acknowledgements queued, expected 1`);
  }

  const dispositions: Record<string, number> = {};
  for (const r of records) {
    // A dead letter counts under its reason (`dead_letter:poison`), so a report says which.
    const key = r.disposition === 'dead_letter' ? `dead_letter:${(r.disposition_reason ?? '').split(':')[0]}` : r.disposition;
    dispositions[key] = (dispositions[key] ?? 0) + 1;
  }
  return { problems, delivered: delivered.length, records: records.length, tickets: tickets.length, ticketCreatedRecords: ticketCreated.length, dispositions };
}
