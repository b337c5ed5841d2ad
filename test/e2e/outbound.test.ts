import MailComposer from 'nodemailer/lib/mail-composer';
import request from 'supertest';
import { simpleParser } from 'mailparser';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import { buildBounce } from '../../server/sandbox/bounce-report';
import { DEFAULT_RELAY_SETTINGS, exchangePacing, RelayWorker, type RelaySettings } from '../../server/outbound/relay-worker';
import type { MailboxRow } from '../../server/store/schema';
import { graphClient } from '../support/sandbox';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// The relay end to end: outbox rows sent with sendMail from the linked mailbox, through the sandbox.
let rd: RelaydeskWithSandbox;
let agent: string;
let appToken: string;

// Not about pacing (relay-pacing.test.ts is): Exchange's 30 a minute would only make these tests wait.
const SETTINGS: RelaySettings = { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: 'relaydesk.test', unknownOutcomeSettleMs: 300, secondLookMs: 300, inactiveMailboxRetryMs: 200, pacing: exchangePacing(10_000, 10_000) };
const NO_BURST = { burst: { limit: 100_000 } };

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  await rd.control('POST', '/sandbox/users', { upn: 'out-agent@contoso.test', displayName: 'Alex Agent', roles: ['Relaydesk.Agent'] });
  agent = `Bearer ${await rd.apiToken('out-agent@contoso.test')}`;
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
});
afterAll(() => rd?.close());

function relay(settings: Partial<RelaySettings> = {}) {
  return new RelayWorker({ store: rd.store, clients: rd.newClients(), logger: rd.syncDeps().logger, settings: { ...SETTINGS, ...settings } });
}

/** Runs relay rounds until the outbox has nothing pending (rows waiting for a retry time included). */
async function drainOutbox(worker: RelayWorker, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    await worker.runOnce();
    const counts = await rd.store.outbox.countByState();
    if (!counts.pending && !counts.sending) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new Promise((resolve, reject) => new MailComposer(options).compile().build((e, m) => (e ? reject(e) : resolve(m))));
}

async function deliver(address: string, mime: Buffer): Promise<string> {
  const res = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(address)}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
  if (res.status >= 300) throw new Error(`deliver failed: ${res.status}`);
  return ((await res.json()) as { internetMessageId: string }).internetMessageId;
}

async function sent(address: string) {
  return (await rd.control<{ id: string; internetMessageId: string; mime: string }[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(address)}/sent`)).body;
}

async function customerWrites(mailbox: MailboxRow, from: string, subject: string, extra: Record<string, unknown> = {}): Promise<{ messageId: string; ticketId: number }> {
  const messageId = await deliver(mailbox.address, await compose({ from, to: mailbox.address, subject, text: 'Please help.', ...extra }));
  await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
  const [record] = await rd.store.mailMessages.findByMessageIds([messageId]);
  return { messageId, ticketId: record!.ticket_id! };
}

describe('relay', () => {
  it("sends an agent's public reply from the linked mailbox with loop-safe headers and threading, and the customer's answer lands on the same ticket", async () => {
    const mailbox = await rd.linkMailbox('relay@contoso.test');
    await rd.control('POST', '/sandbox/mailboxes', { address: 'jordan@fabrikam.test' });
    const question = await customerWrites(mailbox, 'Jordan Miller <jordan@fabrikam.test>', 'Printer on fire');
    const reply = await request(rd.app).post(`/api/tickets/${question.ticketId}/comments`).set('Authorization', agent).send({ body: 'A technician is on the way.', visibility: 'public' });
    expect(reply.status).toBe(201);
    await drainOutbox(relay());

    const out = await sent(mailbox.address);
    const parsed = await Promise.all(out.map((m) => simpleParser(Buffer.from(m.mime, 'utf8'))));
    const answer = parsed.find((p) => p.text?.includes('A technician is on the way.'));
    const ack = parsed.find((p) => p.text?.includes('We have received your request'));
    expect(ack).toBeDefined();
    expect(answer).toBeDefined();
    expect(answer!.to).toMatchObject({ value: [{ address: 'jordan@fabrikam.test' }] });
    expect(answer!.from?.value[0]?.address).toBe('relay@contoso.test');
    expect(answer!.inReplyTo).toBe(question.messageId);
    expect(answer!.references).toContain(question.messageId);
    expect(answer!.messageId).toMatch(/^<relaydesk\.\d+\.\d+\.[0-9a-f]+@relaydesk\.test>$/);
    expect(answer!.headers.get('x-auto-response-suppress')).toBe('All');
    expect(answer!.headers.get('x-mailer')).toBe('Relaydesk Mailer');
    expect(answer!.headers.get('x-relaydesk-from-account-id')).toBe(String(mailbox.id));
    expect(answer!.headers.get('x-relaydesk-email-id')).toMatch(/^\d+$/);
    expect(answer!.subject).toMatch(/\[RD:[0-9A-Z]+-[0-9A-Z]{5}\]$/);

    // The customer answers from their mail client: In-Reply-To our Message-ID, quoting our email.
    const customerReply = await deliver(
      mailbox.address,
      await compose({ from: 'jordan@fabrikam.test', to: mailbox.address, subject: `Re: ${answer!.subject}`, inReplyTo: answer!.messageId, references: [answer!.messageId!], text: `Thanks, it works now.\n\nOn Monday, Contoso Support wrote:\n> ${answer!.text}` }),
    );
    await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
    const [record] = await rd.store.mailMessages.findByMessageIds([customerReply]);
    expect(record).toMatchObject({ disposition: 'comment_added', ticket_id: question.ticketId });
    const comments = await rd.store.tickets.listComments(question.ticketId);
    expect(comments.at(-1)?.body_text).toBe('Thanks, it works now.');
  });

  it('sends an email as soon as it is queued, without waiting for the next poll', async () => {
    const mailbox = await rd.linkMailbox('relay-wake@contoso.test');
    const question = await customerWrites(mailbox, 'Olu Adeyemi <olu@lagos-logistics.example>', 'Customs papers');
    await drainOutbox(relay());
    const before = (await sent(mailbox.address)).length;
    // A poll far beyond the test's time: only the wake-up on commit can send the reply.
    const worker = relay({ pollMs: 3_600_000 });
    worker.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const queuedAt = Date.now();
      const reply = await request(rd.app).post(`/api/tickets/${question.ticketId}/comments`).set('Authorization', agent).send({ body: 'The papers are attached to the shipment.', visibility: 'public' });
      expect(reply.status).toBe(201);
      while ((await sent(mailbox.address)).length === before && Date.now() - queuedAt < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect((await sent(mailbox.address)).length).toBe(before + 1);
    } finally {
      await worker.stop();
    }
  });

  it('sends an internal note to followers only, never to the requester or CCs', async () => {
    const mailbox = (await rd.store.mailboxes.findByAddress('relay@contoso.test'))!;
    const question = await customerWrites(mailbox, 'li.wei@northwind.test', 'Invoice question', { cc: 'cfo@northwind.test' });
    const me = await request(rd.app).get(`/api/tickets/${question.ticketId}`).set('Authorization', agent);
    expect(me.body.ccs.map((c: { email: string }) => c.email)).toEqual(['cfo@northwind.test']);
    const follower = await rd.store.users.ensureStaff({ externalId: 'x:follower', email: 'lynne@contoso.test', displayName: 'Lynne', role: 'agent' });
    await request(rd.app).post(`/api/tickets/${question.ticketId}/followers`).set('Authorization', agent).send({ userId: follower.id });
    await request(rd.app).post(`/api/tickets/${question.ticketId}/comments`).set('Authorization', agent).send({ body: 'Check the contract first.', visibility: 'internal' });
    const rows = await rd.store.outbox.listForTicket(question.ticketId);
    expect(rows.map((r) => [r.kind, r.recipients])).toEqual([
      ['ticket_received', { to: ['li.wei@northwind.test'], cc: [] }],
      ['internal_note', { to: ['lynne@contoso.test'], cc: [] }],
    ]);
  });

  it('delivers every email exactly once under 20% 429, 5% 503 and connections reset after sending, obeying Retry-After', async () => {
    const mailbox = await rd.linkMailbox('flaky-relay@contoso.test');
    const tickets: number[] = [];
    for (let i = 0; i < 40; i++) tickets.push((await customerWrites(mailbox, `customer${i}@example.test`, `Question ${i}`)).ticketId);
    await rd.control('POST', '/sandbox/stats/reset');
    // Retry-After 2 s: a request counts as early from 1 s after a 429 on, past any delay a busy machine adds.
    await rd.control('PUT', '/sandbox/faults', { rate429: 0.2, rate503: 0.05, resetRate: 0.1, retryAfterSeconds: 2, mailbox: mailbox.address });
    try {
      await drainOutbox(relay(), 90_000);
    } finally {
      await rd.control('PUT', '/sandbox/faults', {});
    }
    const out = await sent(mailbox.address);
    const ids = out.map((m) => m.internetMessageId);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = (await Promise.all(tickets.map((t) => rd.store.outbox.listForTicket(t)))).flat();
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
    const stats = (await rd.control<{ earlyRequests: number; throttled429: number; maxInFlight: number }>('GET', `/sandbox/stats?mailbox=${mailbox.address}`)).body;
    expect(stats.throttled429).toBeGreaterThan(0);
    expect(stats.earlyRequests).toBe(0);
    expect(stats.maxInFlight).toBeLessThanOrEqual(4);
  }, 120_000);

  it('stops an exchange with a mailbox that auto-replies to everything: one acknowledgement, auto-replies suppressed', async () => {
    const mailbox = await rd.linkMailbox('pingpong@contoso.test');
    const robot = 'robot@autoreply.test';
    await rd.control('POST', '/sandbox/mailboxes', { address: robot });
    const graph = graphClient(rd.sandbox, appToken);
    await deliver(mailbox.address, await compose({ from: robot, to: mailbox.address, subject: 'Status update', text: 'Hello' }));
    const worker = relay();
    const answered = new Set<string>();
    const autoReplyIds: string[] = [];
    for (let round = 0; round < 5; round++) {
      await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
      await drainOutbox(worker);
      await new Promise((r) => setTimeout(r, 150)); // local delivery into the robot's inbox
      // The robot auto-replies to everything in its inbox, as an out-of-office rule would.
      const inbox = (await graph.api(`/users/${robot}/mailFolders/inbox/messages`).select(['internetMessageId', 'subject']).top(100).get()) as { value: { internetMessageId: string; subject: string }[] };
      for (const m of inbox.value.filter((v) => !answered.has(v.internetMessageId))) {
        answered.add(m.internetMessageId);
        autoReplyIds.push(await deliver(mailbox.address, await compose({ from: robot, to: mailbox.address, subject: `Automatic reply: ${m.subject}`, inReplyTo: m.internetMessageId, text: 'I am away.', headers: { 'Auto-Submitted': 'auto-replied' } })));
      }
    }
    const out = await sent(mailbox.address);
    expect(out).toHaveLength(1);
    expect(answered.size).toBe(1);
    // What the robot received was our one acknowledgement; what it sent back was suppressed as an auto-reply.
    expect((await rd.store.mailMessages.findByMessageIds([...answered])).map((r) => [r.direction, r.disposition])).toEqual([['outbound', 'sent']]);
    const inbound = (await rd.store.mailMessages.listForTicket((await rd.store.mailMessages.findByMessageIds([...answered]))[0]!.ticket_id!)).filter((r) => r.direction === 'inbound');
    expect(inbound).toHaveLength(1);
    const autoReplies = await rd.store.mailMessages.findByMessageIds(autoReplyIds);
    expect(autoReplies.map((r) => r.disposition)).toEqual(['suppressed']);
    expect(autoReplies[0]?.disposition_reason).toMatch(/^auto_response/);
  }, 60_000);

  it('attaches a bounce of our email to its ticket and stops emailing the address', async () => {
    const mailbox = (await rd.store.mailboxes.findByAddress('relay@contoso.test'))!;
    const question = await customerWrites(mailbox, 'gone@old-company.test', 'Account closure');
    await drainOutbox(relay());
    const ack = (await rd.store.outbox.listForTicket(question.ticketId))[0]!;
    expect(ack.state).toBe('sent');
    const bounce = buildBounce({
      to: mailbox.address,
      from: 'MAILER-DAEMON@mx.old-company.test',
      failedRecipient: 'gone@old-company.test',
      originalSubject: 'Re: Account closure',
      originalMessageId: ack.message_id!,
      originalHeaders: `From: ${mailbox.address}\r\nTo: gone@old-company.test\r\nSubject: Re: Account closure\r\nMessage-ID: ${ack.message_id!}`,
      reportingMta: 'mx.old-company.test',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 <gone@old-company.test>: user unknown',
    });
    const bounceId = await deliver(mailbox.address, bounce);
    await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
    expect((await rd.store.mailMessages.findByMessageIds([bounceId]))[0]).toMatchObject({ disposition: 'bounce', ticket_id: question.ticketId });
    const note = (await rd.store.tickets.listComments(question.ticketId)).find((c) => c.visibility === 'internal');
    expect(note?.body_text).toContain('gone@old-company.test');
    expect((await rd.store.users.findByEmail('gone@old-company.test'))?.undeliverable_reason).toBeTruthy();
    // A later public reply emails nobody: the only recipient bounced.
    await request(rd.app).post(`/api/tickets/${question.ticketId}/comments`).set('Authorization', agent).send({ body: 'Anyone there?', visibility: 'public' });
    expect((await rd.store.outbox.listForTicket(question.ticketId)).map((r) => r.kind)).toEqual(['ticket_received']);
  });

  it('fails the rows of a ticket whose mailbox was unlinked, with a reason on the ticket', async () => {
    const mailbox = await rd.linkMailbox('gone@contoso.test');
    const question = await customerWrites(mailbox, 'pat@example.test', 'Soon unlinked');
    await rd.store.mailboxes.update(mailbox.id, { state: 'unlinked', token_cache: null });
    await drainOutbox(relay());
    const [row] = await rd.store.outbox.listForTicket(question.ticketId);
    expect(row).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/^mailbox_unlinked/) });
    const notes = (await rd.store.tickets.listComments(question.ticketId)).filter((c) => c.visibility === 'internal');
    expect(notes).toHaveLength(1);
    expect(await sent(mailbox.address)).toHaveLength(0);
  });
});
