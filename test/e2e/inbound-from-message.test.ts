import request from 'supertest';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import type { TicketDetailView } from '../../server/tickets/ticket-view';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// POST /api/tickets/from-message against the Exchange Online sandbox: Relaydesk finds the email in the linked
// mailbox by its Message-ID ($filter internetMessageId eq '...'), reads its MIME and makes the ticket; a sync
// of the same email afterwards makes no second one, and a customer's reply synced later moves the version.
let rd: RelaydeskWithSandbox;
let agent: string;
let appToken: string;
const ADDRESS = 'from-message@contoso.test';

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  await rd.control('POST', '/sandbox/users', { upn: 'fm-agent@contoso.test', roles: ['Relaydesk.Agent'] });
  agent = `Bearer ${await rd.apiToken('fm-agent@contoso.test')}`;
  await rd.linkMailbox(ADDRESS);
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
}, 60_000);
afterAll(() => rd?.close());

let seq = 0;
/** A customer's email with an HTML body and a CSV file; `headers` adds or replaces header lines. */
function customerMail(options: { from: string; subject: string; messageId?: string; headers?: string[] }): string {
  const boundary = `b-${++seq}`;
  return [
    `From: Casey Customer <${options.from}>`,
    `To: ${ADDRESS}`,
    'Cc: Colin Colleague <colin@example.net>',
    `Subject: ${options.subject}`,
    ...(options.messageId ? [`Message-ID: ${options.messageId}`] : []),
    ...(options.headers ?? []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>The <b>invoice</b> total is wrong.</p><script>alert(1)</script>',
    `--${boundary}`,
    'Content-Type: text/csv; name="invoice.csv"',
    'Content-Disposition: attachment; filename="invoice.csv"',
    '',
    'item,amount',
    'widget,42',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

async function deliver(mime: string, options: { isRead?: boolean } = {}): Promise<{ id: string; internetMessageId: string }> {
  const url = `${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(ADDRESS)}/deliver${options.isRead ? '?isRead=true' : ''}`;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
  if (response.status !== 201) throw new Error(`deliver failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; internetMessageId: string };
}

async function isRead(graphId: string): Promise<boolean> {
  const response = await fetch(`${rd.sandbox.baseUrl}/v1.0/users/${encodeURIComponent(ADDRESS)}/messages/${encodeURIComponent(graphId)}?$select=isRead`, { headers: { authorization: `Bearer ${appToken}` } });
  return ((await response.json()) as { isRead: boolean }).isRead;
}

const fromMessage = (body: object) => request(rd.app).post('/api/tickets/from-message').set('Authorization', agent).send(body);

async function ticketsOf(requester: string): Promise<TicketDetailView[]> {
  const res = await request(rd.app).get('/api/tickets').query({ requester }).set('Authorization', agent);
  return res.body.tickets as TicketDetailView[];
}

/** What the pane would also send: ignored whenever Relaydesk can read the email itself. */
const paneCopy = { subject: 'What the pane saw', from: { email: 'pane-only@example.net' }, bodyText: 'pane copy' };

describe('a ticket from an email Relaydesk reads itself', () => {
  it('reads the unread email from the mailbox (not the pane copy), and the next sync makes no second ticket', async () => {
    const from = 'casey.unread@example.net';
    const delivered = await deliver(customerMail({ from, subject: 'Invoice 1001 is wrong' }));
    const res = await fromMessage({ internetMessageId: delivered.internetMessageId, mailbox: ADDRESS, message: paneCopy });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: true, source: 'graph' });
    const ticket = res.body.ticket as TicketDetailView;
    expect(ticket).toMatchObject({ subject: 'Invoice 1001 is wrong', status: 'new', mailbox: ADDRESS, requester: { email: from, name: 'Casey Customer' } });
    expect(ticket.ccs.map((c) => c.email)).toEqual(['colin@example.net']);
    // The pane's "Open original email" needs the message's id in its mailbox.
    expect(ticket.originalMessageGraphId).toBe(delivered.id);
    const [comment] = ticket.comments;
    expect(comment?.bodyHtml).toContain('<b>invoice</b>');
    expect(comment?.bodyHtml).not.toContain('script');
    expect(comment?.attachments).toEqual([expect.objectContaining({ filename: 'invoice.csv', contentType: 'text/csv', omittedReason: null })]);
    const file = await request(rd.app).get(`/api/tickets/${ticket.id}/attachments/${comment!.attachments[0]!.id}`).set('Authorization', agent);
    expect(file.text).toContain('widget,42');
    // No acknowledgement was queued.
    expect(await rd.store.outbox.listForTicket(ticket.id)).toEqual([]);

    const sync = await syncMailbox(rd.syncDeps(), (await rd.store.mailboxes.findByAddress(ADDRESS))!);
    expect(sync).toMatchObject({ ingested: 0, alreadyRecorded: 1 });
    expect((await ticketsOf(from)).map((t) => t.id)).toEqual([ticket.id]);
    // Recorded, so the sync marked it read like any email it has handled.
    expect(await isRead(delivered.id)).toBe(true);
    expect((await fromMessage({ internetMessageId: delivered.internetMessageId, mailbox: ADDRESS })).body).toMatchObject({ created: false, ticket: { id: ticket.id } });
  });

  it('reads an email someone read before the sync saw it', async () => {
    const from = 'casey.read@example.net';
    const delivered = await deliver(customerMail({ from, subject: 'Read too early' }), { isRead: true });
    await syncMailbox(rd.syncDeps(), (await rd.store.mailboxes.findByAddress(ADDRESS))!);
    const lookup = await request(rd.app).get('/api/lookup').query({ internetMessageId: delivered.internetMessageId, mailbox: ADDRESS }).set('Authorization', agent);
    expect(lookup.body.ticket).toBeNull();

    const res = await fromMessage({ internetMessageId: delivered.internetMessageId, mailbox: ADDRESS });
    expect(res.status).toBe(201);
    expect(res.body.source).toBe('graph');
    const after = await request(rd.app).get('/api/lookup').query({ internetMessageId: delivered.internetMessageId, mailbox: ADDRESS }).set('Authorization', agent);
    expect(after.body.ticket?.id).toBe(res.body.ticket.id);
  });

  it("finds a Message-ID with a quote in it (the OData literal's quotes doubled)", async () => {
    const messageId = `<o'brien.${Date.now()}@mail.example.net>`;
    const delivered = await deliver(customerMail({ from: 'obrien@example.net', subject: 'Quoted id', messageId }));
    expect(delivered.internetMessageId).toBe(messageId);
    const res = await fromMessage({ internetMessageId: messageId, mailbox: ADDRESS });
    expect(res.status).toBe(201);
    expect(res.body.ticket.subject).toBe('Quoted id');
  });

  it('makes one ticket of concurrent calls for the same email', async () => {
    const from = 'casey.twice@example.net';
    const delivered = await deliver(customerMail({ from, subject: 'Clicked twice' }));
    const results = await Promise.all([1, 2].map(() => fromMessage({ internetMessageId: delivered.internetMessageId, mailbox: ADDRESS })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(new Set(results.map((r) => r.body.ticket.id)).size).toBe(1);
    expect(await ticketsOf(from)).toHaveLength(1);
  });

  it('answers 404 message_not_found when the mailbox has no such email and the pane sent no copy; with a copy, uses it', async () => {
    const missing = `<missing-${Date.now()}@example.net>`;
    const res = await fromMessage({ internetMessageId: missing, mailbox: ADDRESS });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'message_not_found' });
    const withCopy = await fromMessage({ internetMessageId: missing, mailbox: ADDRESS, message: paneCopy });
    expect(withCopy.status).toBe(201);
    expect(withCopy.body).toMatchObject({ source: 'pane', ticket: { subject: 'What the pane saw', mailbox: ADDRESS } });
  });
});

describe('the version of a ticket made from an email', () => {
  it('goes up when the customer replies and a sync adds the reply', async () => {
    const from = 'casey.reply@example.net';
    const original = await deliver(customerMail({ from, subject: 'Needs an answer' }), { isRead: true });
    const created = await fromMessage({ internetMessageId: original.internetMessageId, mailbox: ADDRESS });
    expect(created.status).toBe(201);
    const etag = created.headers.etag as string;
    const id = created.body.ticket.id as number;
    expect((await request(rd.app).get(`/api/tickets/${id}`).set('Authorization', agent).set('If-None-Match', etag)).status).toBe(304);

    await deliver(customerMail({ from, subject: 'Re: Needs an answer', headers: [`In-Reply-To: ${original.internetMessageId}`, `References: ${original.internetMessageId}`] }));
    const sync = await syncMailbox(rd.syncDeps(), (await rd.store.mailboxes.findByAddress(ADDRESS))!);
    expect(sync.ingested).toBe(1);
    const polled = await request(rd.app).get(`/api/tickets/${id}`).set('Authorization', agent).set('If-None-Match', etag);
    expect(polled.status).toBe(200);
    expect(polled.body.version).toBeGreaterThan(created.body.ticket.version);
    expect(polled.body.comments).toHaveLength(2);
    expect(polled.headers.etag).toBe(`"${polled.body.version}"`);
  });
});
