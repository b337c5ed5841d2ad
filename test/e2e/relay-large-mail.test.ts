import MailComposer from 'nodemailer/lib/mail-composer';
import request from 'supertest';
import { governorOf } from '../../server/graph/mailbox-clients';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import { DEFAULT_RELAY_SETTINGS, exchangePacing, RelayWorker, type RelaySettings } from '../../server/outbound/relay-worker';
import { MAX_UPLOAD_BYTES } from '../../server/tickets/ticket-service';
import type { MailboxRow } from '../../server/store/schema';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';
import type { SandboxStats, SentMessage } from '../support/sandbox';

// Issue 13, "Must show": an agent's reply with a 25 MB file is more than one sendMail request carries (4 MB),
// so the relay builds it as a draft and attaches the file through an upload session; only past Exchange's
// 150 MB does a reply fail, as too_large, with a note on the ticket.

const MAILBOX = 'large-mail@contoso.test';
const CUSTOMER = 'dana@northwind.test';
const MB = 1024 * 1024;
const SETTINGS: RelaySettings = { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: 'relaydesk.test', unknownOutcomeSettleMs: 500, secondLookMs: 500, pacing: exchangePacing(1_000, 10_000) };

let rd: RelaydeskWithSandbox;
let mailbox: MailboxRow;
let agent: string;
let appToken: string;

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  mailbox = await rd.linkMailbox(MAILBOX);
  await rd.control('POST', '/sandbox/mailboxes', { address: CUSTOMER, displayName: 'Dana Customer' });
  await rd.control('POST', '/sandbox/users', { upn: 'large-agent@contoso.test', displayName: 'Alex Agent', roles: ['Relaydesk.Agent'] });
  agent = `Bearer ${await rd.apiToken('large-agent@contoso.test')}`;
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
});
afterAll(() => rd?.close());

async function drain(worker: RelayWorker): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await worker.runOnce();
    const counts = await rd.store.outbox.countByState();
    if (!counts['pending'] && !counts['sending']) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A customer's question becomes a ticket; its acknowledgement is sent. */
async function ticketFromCustomer(subject: string, worker: RelayWorker): Promise<number> {
  const mime = await new MailComposer({ from: CUSTOMER, to: MAILBOX, subject, text: 'Please send the survey.' }).compile().build();
  const res = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(MAILBOX)}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
  const { internetMessageId } = (await res.json()) as { internetMessageId: string };
  await syncMailbox(rd.syncDeps(), mailbox);
  const [record] = await rd.store.mailMessages.findByMessageIds([internetMessageId]);
  await drain(worker);
  return record!.ticket_id!;
}

async function graph<T>(path: string): Promise<T> {
  const res = await fetch(`${rd.sandbox.graphBaseUrl}${path}`, { headers: { authorization: `Bearer ${appToken}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (res.headers.get('content-type') ?? '').startsWith('application/json') ? ((await res.json()) as T) : (Buffer.from(await res.arrayBuffer()) as T);
}

describe('large outbound mail', () => {
  it('sends a reply with a 25 MB file as a draft whose file goes through an upload session; the customer gets it intact', async () => {
    const worker = new RelayWorker({ store: rd.store, clients: rd.clients, logger: rd.syncDeps().logger, settings: SETTINGS });
    const ticketId = await ticketFromCustomer('Site survey', worker);
    const file = Buffer.alloc(25 * MB);
    for (let i = 0; i < file.length; i += 4) file.writeUInt32LE(i ^ 0x5a5a5a5a, i);
    const upload = await request(rd.app).post(`/api/tickets/${ticketId}/attachments`).query({ filename: 'site-survey.pdf' }).set('Authorization', agent).set('Content-Type', 'application/pdf').send(file);
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ filename: 'site-survey.pdf', contentType: 'application/pdf', size: file.length });
    const reply = await request(rd.app).post(`/api/tickets/${ticketId}/comments`).set('Authorization', agent).send({ body: 'The survey is attached.', visibility: 'public', attachmentIds: [upload.body.id] });
    expect(reply.status).toBe(201);
    // The upload now belongs to that reply: another comment cannot take it.
    expect((await request(rd.app).post(`/api/tickets/${ticketId}/comments`).set('Authorization', agent).send({ body: 'Again', visibility: 'internal', attachmentIds: [upload.body.id] })).status).toBe(400);

    const before = (await rd.control<SandboxStats>('GET', `/sandbox/stats?mailbox=${MAILBOX}`)).body;
    await drain(worker);
    const after = (await rd.control<SandboxStats>('GET', `/sandbox/stats?mailbox=${MAILBOX}`)).body;

    const [row] = (await rd.store.outbox.listForTicket(ticketId)).filter((r) => r.kind === 'public_reply');
    expect(row).toMatchObject({ state: 'sent', draft_id: null });
    const sent = (await rd.control<SentMessage[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(MAILBOX)}/sent`)).body.find((s) => s.internetMessageId === row!.message_id);
    expect(sent).toBeDefined();
    // Drafts lookup, the draft, the session, seven 4 MB ranges and the send: not one 33 MB sendMail.
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(11);
    expect(after.throttled429).toBe(before.throttled429);
    // The bytes went through the mailbox's governor, against Exchange's 150 MB per 5 minutes.
    expect(governorOf(rd.clients.client(mailbox.id))?.stats().windowBytes).toBeGreaterThanOrEqual(file.length);

    const inbox = await graph<{ value: { id: string; internetMessageId: string }[] }>(`/users/${CUSTOMER}/mailFolders/inbox/messages?$select=id,internetMessageId&$top=50`);
    const received = inbox.value.find((m) => m.internetMessageId === row!.message_id);
    expect(received).toBeDefined();
    const attachments = await graph<{ value: { id: string; name: string; size: number }[] }>(`/users/${CUSTOMER}/messages/${received!.id}/attachments?$select=id,name,size`);
    expect(attachments.value.map((a) => [a.name, a.size])).toEqual([['site-survey.pdf', file.length]]);
    const bytes = await graph<Buffer>(`/users/${CUSTOMER}/messages/${received!.id}/attachments/${attachments.value[0]!.id}/$value`);
    expect(bytes.equals(file)).toBe(true);
    // Nothing half-built is left behind in Drafts.
    const drafts = await graph<{ value: unknown[] }>(`/users/${MAILBOX}/mailFolders/drafts/messages?$select=id`);
    expect(drafts.value).toEqual([]);
  }, 120_000);

  it("fails a reply past Exchange's 150 MB as too_large, with a note on the ticket, and sends nothing", async () => {
    const worker = new RelayWorker({ store: rd.store, clients: rd.clients, logger: rd.syncDeps().logger, settings: SETTINGS });
    const ticketId = await ticketFromCustomer('Full archive', worker);
    const sentBefore = (await rd.control<SentMessage[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(MAILBOX)}/sent`)).body.length;
    // The largest file the API takes; with the reply's text the message is past the limit.
    const upload = await request(rd.app).post(`/api/tickets/${ticketId}/attachments`).query({ filename: 'archive.zip' }).set('Authorization', agent).set('Content-Type', 'application/zip').send(Buffer.alloc(MAX_UPLOAD_BYTES));
    expect(upload.status).toBe(201);
    const reply = await request(rd.app).post(`/api/tickets/${ticketId}/comments`).set('Authorization', agent).send({ body: 'Here is everything.', visibility: 'public', attachmentIds: [upload.body.id] });
    expect(reply.status).toBe(201);
    await drain(worker);
    const [row] = (await rd.store.outbox.listForTicket(ticketId)).filter((r) => r.kind === 'public_reply');
    expect(row).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/^too_large: /) });
    const notes = (await rd.store.tickets.listComments(ticketId)).filter((c) => c.visibility === 'internal');
    expect(notes.map((n) => n.body_text)).toEqual([expect.stringContaining('too_large')]);
    expect((await rd.control<SentMessage[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(MAILBOX)}/sent`)).body).toHaveLength(sentBefore);
  }, 120_000);
});
