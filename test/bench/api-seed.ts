import { performance } from 'node:perf_hooks';
import type { Store, Transaction } from '../../server/store/store';
import { newReferenceTag } from '../../server/tickets/reference';
import type { TicketStatus } from '../../server/tickets/ticket-status';
import { prng } from '../support/processes/random';
import { assertBefore } from './harness';

/**
 * A helpdesk's worth of tickets for the `api` scenario, written through the store's own repositories (the
 * rows ingest and the relay write: tickets, comments, mail records, participants, attachments), in large
 * transactions: 100,000 tickets in well under a minute (about 40 s on 2 cores), where ingesting them as mail
 * would take hours.
 */

/** Tickets per transaction: large enough that commits do not dominate, small enough to show progress. */
const BATCH_TICKETS = 1000;
/** Tickets per customer, as a helpdesk's backlog has (DemoMailOptions.customers in the ingest scenario). */
const TICKETS_PER_CUSTOMER = 5;
const AGENTS = 8;
/** The tenant part of the seeded agents' staff keys (`tid:oid`); the bench's signed-in agents have their own. */
const SEED_TENANT = 'bench-seed-tenant';

/** Shares of tickets, each drawn independently per ticket (a helpdesk some months old). */
const SHARES = {
  /** An agent owns it. */
  assigned: 0.7,
  /** The opening email is HTML (most mail is), so the comment keeps body_html as ingest does. */
  html: 0.7,
  /** Relaydesk acknowledged it (ticket_received): one outbound mail record. */
  acknowledged: 0.9,
  agentReply: 0.6,
  /** Of tickets with an agent reply: the customer answered by email. */
  customerFollowUp: 0.4,
  internalNote: 0.15,
  cc: 0.2,
  follower: 0.1,
  /** An email carries a file (a small one: listing reads metadata only, and the disk is not the subject). */
  attachment: 0.1,
} as const;

const STATUSES: readonly [TicketStatus, number][] = [
  ['new', 0.05],
  ['open', 0.15],
  ['pending', 0.1],
  ['hold', 0.03],
  ['solved', 0.37],
  ['closed', 0.3],
];

export interface SeededTicket {
  id: number;
  /** The Message-IDs of the customer's emails on the ticket (the opening one first), as Outlook reports them. */
  inboundMessageIds: string[];
  mailbox: string;
  /** When the opening email arrived (ISO-8601), as the pane sends it. */
  receivedAt: string;
  /** Comments on the ticket, for checking GET /api/tickets/:id. */
  comments: number;
}

export interface SeedCounts {
  tickets: number;
  users: number;
  comments: number;
  mailMessages: number;
  participants: number;
  attachments: number;
}

export interface SeedResult {
  tickets: SeededTicket[];
  mailboxes: string[];
  counts: SeedCounts;
  seconds: number;
}

export interface SeedOptions {
  tickets: number;
  mailboxes: number;
  seed: number;
  deadline: number;
  log(line: string): void;
}

interface Person {
  email: string;
  name: string;
}

const FIRST = ['Anna', 'Ben', 'Chloé', 'David', 'Elif', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tara'];
const LAST = ['Adams', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hansen', 'Ito', 'Jansen', 'Kowalski', 'Larsen', 'Moreau', 'Novak', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Weber'];
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com', 'customer.example'];
const TOPICS = ['invoice', 'password reset', 'delivery', 'refund', 'login problem', 'order', 'subscription', 'export', 'account', 'printer setup', 'VPN access', 'licence renewal'];
const SUBJECTS = ['Question about my {t}', 'Problem with {t}', 'Re: {t} #{n}', 'Urgent: {t} not working', '{t} still pending', 'Help needed with {t}', 'Follow-up on {t}', 'Can you check my {t}?'];
const SENTENCES = [
  'I tried again this morning and the same thing happened.',
  'Could you please have a look at this as soon as possible?',
  'We have been customers for several years and this has never happened before.',
  'The error appears right after I click the confirm button.',
  'Attached you will find the screenshot our accountant sent me.',
  'My colleague in the finance team is copied on this email.',
  'Thank you for your quick answer yesterday, it helped a lot.',
  'Unfortunately the problem came back after the update.',
  'Is there anything else you need from me to sort this out?',
  'The order number is on the confirmation we received last week.',
  'I would appreciate a call back if that is easier for you.',
  'Best regards and have a nice day.',
];
const REPLIES = [
  'Thank you for getting in touch.',
  'I have checked your account and found the cause.',
  'The fix has been applied on our side; please try again and let us know.',
  'I have forwarded this to our billing team, who will answer within a day.',
  'Could you send us the exact time the error happened?',
  'Kind regards, the support team.',
];

type Random = () => number;

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const chance = (random: Random, share: number): boolean => random() < share;

/** Sentences drawn until the text is at least `minChars` long: bodies of a few hundred to a few thousand characters. */
function text(random: Random, sentences: readonly string[], minChars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < minChars) {
    const sentence = pick(random, sentences);
    parts.push(sentence);
    length += sentence.length + 1;
  }
  return parts.join(random() < 0.3 ? '\n\n' : ' ');
}

function html(body: string): string {
  return `<html><body><div dir="ltr">${body
    .split('\n\n')
    .map((p) => `<p style="margin:0 0 12px 0;font-family:Calibri,sans-serif;font-size:11pt">${p}</p>`)
    .join('')}</div></body></html>`;
}

function status(random: Random): TicketStatus {
  let roll = random();
  for (const [value, share] of STATUSES) {
    if ((roll -= share) < 0) return value;
  }
  return 'closed';
}

function person(n: number, kind: string): Person {
  const first = FIRST[n % FIRST.length]!;
  const last = LAST[Math.floor(n / FIRST.length) % LAST.length]!;
  return { email: `${first.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}.${last.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}.${kind}${n}@${DOMAINS[n % DOMAINS.length]}`, name: `${first} ${last}` };
}

/** A Message-ID as Outlook reports it, shaped like one from a common mail service. */
function messageId(random: Random): string {
  const part = () => Math.floor(random() * 2 ** 32).toString(36).toUpperCase();
  return `<CA${part()}${part()}${part()}-${part()}@mail.example.com>`;
}

function graphId(random: Random): string {
  const part = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  return `AAMkAGI2${Array.from({ length: 16 }, part).join('')}AAA=`;
}

/** Writes the tickets; returns what the load needs to ask for them. Ids and texts are the same for the same seed. */
export async function seedTickets(store: Store, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const random = prng(options.seed);
  const counts: SeedCounts = { tickets: 0, users: 0, comments: 0, mailMessages: 0, participants: 0, attachments: 0 };
  const mailboxes = Array.from({ length: options.mailboxes }, (_, i) => `support-${i + 1}@contoso.test`);
  const mailboxIds: number[] = [];
  // Paused: rows the lookup joins and names, which the scheduler leaves alone (they have no grant to sync with).
  for (const address of mailboxes) mailboxIds.push((await store.mailboxes.insert(address, `Support ${mailboxIds.length + 1}`, 'paused')).id);
  const agentIds: number[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const agent = person(i, 'agent');
    agentIds.push((await store.users.ensureStaff({ externalId: `${SEED_TENANT}:agent-${i}`, email: agent.email.replace(/@.*/, '@contoso.test'), displayName: agent.name, role: 'agent' })).id);
  }
  counts.users += AGENTS;

  const customers = Math.max(10, Math.ceil(options.tickets / TICKETS_PER_CUSTOMER));
  const userIds = new Map<string, number>();
  const userId = async (repos: Transaction, who: Person): Promise<number> => {
    let id = userIds.get(who.email);
    if (id === undefined) {
      id = (await repos.users.ensureByEmail(who.email, who.name)).id;
      userIds.set(who.email, id);
      counts.users++;
    }
    return id;
  };

  const tickets: SeededTicket[] = [];
  const receivedBase = Date.now() - 180 * 24 * 3600_000;
  while (tickets.length < options.tickets) {
    assertBefore(options.deadline, 'seeding tickets');
    const batch = Math.min(BATCH_TICKETS, options.tickets - tickets.length);
    await store.transaction(async (repos) => {
      for (let n = 0; n < batch; n++) {
        const index = tickets.length;
        const mailboxIndex = index % mailboxIds.length;
        const mailboxId = mailboxIds[mailboxIndex]!;
        const customer = person(Math.floor(random() * customers), 'c');
        const requesterId = await userId(repos, customer);
        const subject = pick(random, SUBJECTS).replace('{t}', pick(random, TOPICS)).replace('{n}', String(1000 + index));
        const ticket = await repos.tickets.insert({
          mailboxId,
          subject,
          status: status(random),
          requesterId,
          assigneeId: chance(random, SHARES.assigned) ? pick(random, agentIds) : null,
          referenceTag: newReferenceTag(),
        });
        const inboundMessageIds: string[] = [];
        let comments = 0;
        const customerEmail = async (disposition: 'ticket_created' | 'comment_added', minChars: number) => {
          const bodyText = text(random, SENTENCES, minChars);
          const comment = await repos.tickets.addComment({ ticketId: ticket.id, authorId: requesterId, visibility: 'public', source: 'email', bodyText, bodyHtml: chance(random, SHARES.html) ? html(bodyText) : null });
          const id = messageId(random);
          await repos.mailMessages.insert({ mailboxId, internetMessageId: id, graphMessageId: graphId(random), direction: 'inbound', ticketId: ticket.id, commentId: comment.id, disposition, dispositionReason: null, fromAddress: customer.email, subject });
          if (chance(random, SHARES.attachment)) {
            const size = 1024 + Math.floor(random() * 7 * 1024);
            await repos.attachments.insert({ ticketId: ticket.id, commentId: comment.id, filename: `document-${index}.pdf`, contentType: 'application/pdf', size, contentId: null, inline: false, content: Buffer.alloc(size, index % 251), omittedReason: null });
            counts.attachments++;
          }
          inboundMessageIds.push(id);
          comments++;
          counts.mailMessages++;
        };
        const sent = async (commentId: number | null, kind: 'ticket_received' | 'public_reply') => {
          await repos.mailMessages.insert({ mailboxId, internetMessageId: `<rd.${ticket.id}.${counts.mailMessages}@relaydesk.bench.test>`, graphMessageId: null, direction: 'outbound', ticketId: ticket.id, commentId, disposition: 'sent', dispositionReason: kind, fromAddress: mailboxes[mailboxIndex]!, subject: null });
          counts.mailMessages++;
        };

        await customerEmail('ticket_created', 200 + Math.floor(random() * 1200));
        if (chance(random, SHARES.acknowledged)) await sent(null, 'ticket_received');
        if (chance(random, SHARES.cc)) {
          await repos.tickets.addParticipant(ticket.id, await userId(repos, person(Math.floor(random() * customers), 'cc')), 'cc');
          counts.participants++;
        }
        if (chance(random, SHARES.follower)) {
          await repos.tickets.addParticipant(ticket.id, pick(random, agentIds), 'follower');
          counts.participants++;
        }
        if (chance(random, SHARES.internalNote)) {
          await repos.tickets.addComment({ ticketId: ticket.id, authorId: pick(random, agentIds), visibility: 'internal', source: 'api', bodyText: text(random, REPLIES, 80) });
          comments++;
        }
        if (chance(random, SHARES.agentReply)) {
          const reply = await repos.tickets.addComment({ ticketId: ticket.id, authorId: pick(random, agentIds), visibility: 'public', source: 'api', bodyText: text(random, REPLIES, 150 + Math.floor(random() * 400)) });
          comments++;
          await sent(reply.id, 'public_reply');
          if (chance(random, SHARES.customerFollowUp)) await customerEmail('comment_added', 100 + Math.floor(random() * 600));
        }
        counts.comments += comments;
        counts.tickets++;
        tickets.push({ id: ticket.id, inboundMessageIds, mailbox: mailboxes[mailboxIndex]!, receivedAt: new Date(receivedBase + index * 60_000).toISOString(), comments });
      }
    });
    if (tickets.length % (BATCH_TICKETS * 10) === 0 || tickets.length === options.tickets) options.log(`api: seeded ${tickets.length} of ${options.tickets} tickets (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  return { tickets, mailboxes, counts, seconds: (performance.now() - started) / 1000 };
}
