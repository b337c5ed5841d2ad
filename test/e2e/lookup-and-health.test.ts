import request from 'supertest';
import { createMetricsApp } from '../../server/http/routes/metrics';
import { mailboxHealth } from '../../server/mailboxes/mailbox-health';
import { SyncScheduler } from '../../server/inbound/sync/scheduler';
import { DemoMailGenerator } from '../../server/sandbox';
import type { MailboxRow } from '../../server/store/schema';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// What the task pane and operators see after a sync: the lookup of an email, mailbox health, /metrics.
let rd: RelaydeskWithSandbox;
let agent: string;
let admin: string;
let mailbox: MailboxRow;
let question: string;
let autoReply: string;
/** Message-ID header as the sender wrote it -> the id the sandbox (like Exchange) reports for the message. */
const oddIds = new Map<string, string>();

/** The Message-ID header shapes that used to lose a ticket to the pane (issue 11, item 9); '' = no header. */
const ODD_MESSAGE_IDS = ['', 'unbracketed-1@mx.example', '(old mailer) < obs . id @ mx . example > (queued)'];

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  await rd.control('POST', '/sandbox/users', { upn: 'lk-agent@contoso.test', roles: ['Relaydesk.Agent'] });
  await rd.control('POST', '/sandbox/users', { upn: 'lk-admin@contoso.test', roles: ['Relaydesk.Admin'] });
  await rd.control('POST', '/sandbox/users', { upn: 'lk-customer@contoso.test' });
  agent = `Bearer ${await rd.apiToken('lk-agent@contoso.test')}`;
  admin = `Bearer ${await rd.apiToken('lk-admin@contoso.test')}`;
  mailbox = await rd.linkMailbox('lookup@contoso.test');
  const generator = new DemoMailGenerator({ to: mailbox.address, seed: 21 });
  const deliver = async (kind: 'cc' | 'auto-reply') => {
    const mail = await generator.next(kind);
    const res = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${mailbox.address}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mail.mime });
    return ((await res.json()) as { internetMessageId: string }).internetMessageId;
  };
  question = await deliver('cc');
  autoReply = await deliver('auto-reply');
  for (const [i, header] of ODD_MESSAGE_IDS.entries()) {
    const mime = `From: Odd Sender <odd${i}@example.net>\r\nTo: ${mailbox.address}\r\nSubject: odd id ${i}\r\n${header ? `Message-ID: ${header}\r\n` : ''}Content-Type: text/plain\r\n\r\nHello ${i}\r\n`;
    const res = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${mailbox.address}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
    oddIds.set(header, ((await res.json()) as { internetMessageId: string }).internetMessageId);
  }
  const scheduler = new SyncScheduler(rd.syncDeps(), { intervalMs: 60_000, leaseMs: 10_000, maxConcurrent: 1, instanceId: 'lookup' });
  await scheduler.syncNow(mailbox.id);
  await scheduler.stop();
});
afterAll(() => rd?.close());

const lookup = (query: Record<string, string>, auth = agent) => request(rd.app).get('/api/lookup').query(query).set('Authorization', auth);

describe('GET /api/lookup', () => {
  it('finds the ticket an email became', async () => {
    const res = await lookup({ internetMessageId: question });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ disposition: 'ticket_created', ticket: { status: 'new', mailbox: mailbox.address, reference: expect.any(String) } });
    // The CCs come with the lookup (one request per email for the task pane), the same as the ticket's own.
    const detail = await request(rd.app).get(`/api/tickets/${res.body.ticket.id}`).set('Authorization', agent);
    expect(res.body.ticket.ccs.length).toBeGreaterThan(0);
    expect(res.body.ticket.ccs).toEqual(detail.body.ccs);
  });

  it('accepts the id without angle brackets, as some clients report it', async () => {
    expect((await lookup({ internetMessageId: question.slice(1, -1) })).body.ticket).not.toBeNull();
  });

  it.each(ODD_MESSAGE_IDS)('finds mail whose Message-ID header was %j by the id Exchange reports, and by the header', async (header) => {
    const reported = oddIds.get(header)!;
    const byReported = await lookup({ internetMessageId: reported });
    expect(byReported.body).toMatchObject({ disposition: 'ticket_created', ticket: { subject: `odd id ${ODD_MESSAGE_IDS.indexOf(header)}` } });
    if (header) expect((await lookup({ internetMessageId: header })).body.ticket?.id).toBe(byReported.body.ticket.id);
  });

  it('says an auto-reply was suppressed, and why', async () => {
    const res = await lookup({ internetMessageId: autoReply });
    expect(res.body).toMatchObject({ ticket: null, reason: 'suppressed', detail: expect.stringMatching(/^auto_response/) });
  });

  it.each([
    [{ internetMessageId: '<never@example.test>' }, 'unknown_message'],
    [{ internetMessageId: '<never@example.test>', mailbox: 'lookup@contoso.test' }, 'waiting_for_sync'],
    [{ internetMessageId: '<never@example.test>', mailbox: 'someone@elsewhere.test' }, 'mailbox_not_linked'],
  ])('explains a missing ticket: %j -> %s', async (query, reason) => {
    expect((await lookup(query)).body).toMatchObject({ ticket: null, reason });
  });

  it('refuses callers who are not agents, and bad queries', async () => {
    const endUser = `Bearer ${await rd.apiToken('lk-customer@contoso.test')}`;
    expect((await lookup({ internetMessageId: question }, endUser)).status).toBe(403);
    expect((await lookup({})).body.error.code).toBe('validation_failed');
  });
});

describe('mailbox health', () => {
  it('shows the last sync and what it ingested in the admin API', async () => {
    const res = await request(rd.app).get('/api/mailboxes').set('Authorization', admin);
    const row = (res.body as { address: string; health: Record<string, unknown> }[]).find((m) => m.address === mailbox.address);
    expect(row?.health).toMatchObject({ lastSyncAt: expect.any(String), lagSeconds: 0, messagesIngested: 2 + ODD_MESSAGE_IDS.length, consecutiveFailures: 0, lastError: null });
  });

  it('exports per-mailbox Prometheus metrics after a scheduled sync, on the metrics listener only', async () => {
    // The public app never serves them: they name every linked mailbox.
    expect((await request(rd.app).get('/metrics')).status).toBe(404);
    const res = await request(createMetricsApp(() => mailboxHealth(rd.store))).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain(`relaydesk_mailbox_messages_ingested{mailbox="${mailbox.address}"} ${2 + ODD_MESSAGE_IDS.length}`);
    expect(res.text).toContain(`relaydesk_mailbox_state{mailbox="${mailbox.address}",state="active"} 1`);
    expect(res.text).toContain(`relaydesk_mailbox_lag_seconds{mailbox="${mailbox.address}"} 0`);
  });
});
