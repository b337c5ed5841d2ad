import fs from 'node:fs';
import path from 'node:path';
import { newFilterContext, type FilterContext, type FilterEnvironment } from '../../../server/inbound/filters/context';
import type { InboundMail } from '../../../server/inbound/inbound-mail';
import { inboundMailFromMime, type MimeToInboundOptions } from '../../../server/inbound/mail/mime-to-inbound';
import { createFilterEnvironment } from '../../../server/inbound/filters/store-environment';
import { openDatabase, type DatabaseTarget } from '../../../server/store/database';
import type { MailboxRow } from '../../../server/store/schema';
import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

/**
 * Fixtures and a seeded store for the inbound tests. The .eml files in test/fixtures/mail are written by hand
 * in the shape real clients send; variants (one header more or less) are made from them here rather than by
 * copying a whole file for one line.
 */

export const FIXTURE_DIR = path.join(__dirname, '../../fixtures/mail');
export const MESSAGE_ID_DOMAIN = 'relaydesk.acme.test';

/** Message-IDs the fixtures refer to. */
export const IDS = {
  customerOriginal: '<20250603091358.4f2a@mail.customer.example>',
  notificationTicket1: '<ticket-1.outbox-1.7qx2k@relaydesk.acme.test>',
  notificationTicket2: '<ticket-2.outbox-2.m7rt3@relaydesk.acme.test>',
  suppressedInbound: '<ooo-earlier-0602@mail.customer.example>',
} as const;

export function rawFixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURE_DIR, name));
}

export function parseFixture(name: string, options?: MimeToInboundOptions): Promise<InboundMail> {
  return inboundMailFromMime(rawFixture(name), options);
}

/** Splits a message into its header lines (folded continuation lines kept with their header) and the rest. */
function splitHeaders(raw: Buffer): { headers: string[]; rest: string } {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const head = end >= 0 ? text.slice(0, end) : text;
  const rest = end >= 0 ? text.slice(end) : '';
  const headers: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1] += `\n${line}`;
    else headers.push(line);
  }
  return { headers, rest };
}

export interface Variant {
  /** Header names to remove (every occurrence). */
  remove?: string[];
  /** Whole header lines to add on top, e.g. `Precedence: bulk`. */
  add?: string[];
  /** Text replacements anywhere in the message, applied after the header changes. */
  replace?: [string, string][];
}

/** A fixture with a header more or less: the variants of one real message that a signal table needs. */
export function variant(name: string, change: Variant): Buffer {
  const { headers, rest } = splitHeaders(rawFixture(name));
  const removed = new Set((change.remove ?? []).map((h) => h.toLowerCase()));
  const kept = headers.filter((line) => !removed.has(line.slice(0, line.indexOf(':')).trim().toLowerCase()));
  let text = [...(change.add ?? []), ...kept].join('\n') + rest;
  for (const [from, to] of change.replace ?? []) {
    if (!text.includes(from)) throw new Error(`variant of ${name}: "${from}" not found`);
    text = text.split(from).join(to);
  }
  return Buffer.from(text, 'utf8');
}

export interface Seeded {
  store: Store;
  target: DatabaseTarget;
  cleanup: () => Promise<void>;
  support: MailboxRow;
  sales: MailboxRow;
  ticket1: number;
  ticket2: number;
  agentId: number;
  adminId: number;
  endUserId: number;
  outboxId: number;
  env: (now?: Date) => Promise<FilterEnvironment>;
  context: (mail: InboundMail) => FilterContext;
}

/**
 * A fresh store with what the fixtures talk about: two linked mailboxes and an unlinked one, an agent and an
 * admin, ticket 1 (`[RD:1-K4QX9]`, Bob's printer) and ticket 2 (`[RD:2-M7RT3]`, Kim's VPN), the messages
 * recorded on them, and the outbox row of our notification on ticket 1.
 */
export async function seedStore(): Promise<Seeded> {
  const { store, target, cleanup } = await openTestStore();
  const support = await store.mailboxes.insert('support@acme.test', 'Acme Support', 'active');
  const sales = await store.mailboxes.insert('sales@acme.test', 'Acme Sales', 'active');
  await store.mailboxes.insert('old-helpdesk@acme.test', 'Old helpdesk', 'unlinked');
  const agent = await store.users.ensureStaff({ externalId: 'tid:oid-alice', email: 'alice.agent@acme.test', displayName: 'Alice Agent', role: 'agent' });
  const admin = await store.users.ensureStaff({ externalId: 'tid:oid-root', email: 'root.admin@acme.test', displayName: 'Root', role: 'admin' });
  const bob = await store.users.ensureByEmail('bob.meyer@customer.example', 'Bob Meyer');
  const kim = await store.users.ensureByEmail('kim.old@oldhost.example', null);
  const t1 = await store.tickets.insert({ mailboxId: support.id, subject: 'Printer on floor 3 prints blank pages', status: 'open', requesterId: bob.id, referenceTag: 'K4QX9' });
  const t2 = await store.tickets.insert({ mailboxId: support.id, subject: 'VPN access', status: 'closed', requesterId: kim.id, referenceTag: 'M7RT3' });
  // The fixtures carry `[RD:1-K4QX9]` and `[RD:2-M7RT3]`: a fresh store must number these tickets 1 and 2.
  if (t1.id !== 1 || t2.id !== 2) throw new Error(`seed expected tickets 1 and 2, got ${t1.id} and ${t2.id}`);

  const record = (internetMessageId: string, direction: 'inbound' | 'outbound', ticketId: number | null, fromAddress: string, disposition: string) =>
    store.mailMessages.insert({ mailboxId: support.id, internetMessageId, graphMessageId: null, direction, ticketId, commentId: null, disposition, dispositionReason: null, fromAddress, subject: null });
  await record(IDS.customerOriginal, 'inbound', t1.id, 'bob.meyer@customer.example', 'ticket_created');
  await record(IDS.notificationTicket1, 'outbound', t1.id, 'support@acme.test', 'sent');
  await record(IDS.notificationTicket2, 'outbound', t2.id, 'support@acme.test', 'sent');
  await record(IDS.suppressedInbound, 'inbound', null, 'bob.meyer@customer.example', 'suppressed');

  const outboxId = await store.outbox.insert({ ticketId: t1.id, mailboxId: support.id, commentId: null, kind: 'ticket_received', to: ['bob.meyer@customer.example'], cc: [] });
  // The relay stamps the Message-ID on the row when it sends; no repository method does that yet, so a second
  // connection to the same test database plays the relay here.
  const database = await openDatabase(target);
  try {
    await database.db.updateTable('outbox').set({ message_id: IDS.notificationTicket1, state: 'sent' }).where('id', '=', outboxId).execute();
  } finally {
    await database.close();
  }
  if (outboxId !== 1) throw new Error(`seed expected outbox row 1 (the fixtures' X-Relaydesk-Email-Id), got ${outboxId}`);

  return {
    store,
    target,
    cleanup,
    support,
    sales,
    ticket1: t1.id,
    ticket2: t2.id,
    agentId: agent.id,
    adminId: admin.id,
    endUserId: bob.id,
    outboxId,
    env: (now?: Date) => createFilterEnvironment(store, { messageIdDomain: MESSAGE_ID_DOMAIN, ...(now ? { now } : {}) }),
    context: (mail: InboundMail) => newFilterContext(mail, { id: support.id, address: support.address }),
  };
}
