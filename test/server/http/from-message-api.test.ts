import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TicketDetailView } from '../../../server/tickets/ticket-view';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT, END_USER } from '../../support/identity-provider';

/**
 * POST /api/tickets/from-message with the email as the add-in read it (the harness has no Graph, so the
 * server cannot read mailboxes itself): one email makes one ticket, however often and however concurrently it
 * is asked for; the content is bounded and sanitized like synced mail; no acknowledgement goes out; the
 * Message-ID is recorded so that lookup finds the ticket and a sync of the same email would not ticket it.
 * Reading the email from the mailbox through Graph is proven against the sandbox (test/e2e/inbound-from-message).
 */

let harness: ApiHarness;
let agentAuth: string;
const REPLY_MAILBOX = 'helpdesk-pane@contoso.test';
const PAUSED_MAILBOX = 'helpdesk-paused@contoso.test';

beforeAll(async () => {
  harness = await startApiHarness();
  agentAuth = `Bearer ${await harness.idp.token(AGENT)}`;
  await harness.store.mailboxes.insert(REPLY_MAILBOX, 'Helpdesk', 'active');
  await harness.store.mailboxes.insert(PAUSED_MAILBOX, 'Paused', 'paused');
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

const post = (body: object, auth = agentAuth) => {
  const test = request(harness.app).post('/api/tickets/from-message');
  return (auth ? test.set('Authorization', auth) : test).send(body);
};

function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

function newMessageId(): string {
  return `<${randomUUID()}@mail.example.test>`;
}

function paneMessage(overrides: Record<string, unknown> = {}) {
  const sender = `sender-${randomUUID().slice(0, 8)}@example.test`;
  return {
    subject: 'Printer jammed',
    from: { email: sender, name: 'Sam Sender' },
    receivedAt: '2026-12-01T09:30:00Z',
    bodyText: 'The printer on floor 2 is jammed.',
    bodyHtml: '<p>The printer on <b>floor 2</b> is jammed.</p><script>steal()</script><img src="https://tracker.example/p.gif" width="1" height="1">',
    ccs: [{ email: 'colleague@example.test', name: 'Cole League' }, { email: REPLY_MAILBOX }, { email: sender }],
    attachments: [{ filename: 'jam.png', contentType: 'image/png', contentBase64: Buffer.from('PNGDATA').toString('base64') }],
    ...overrides,
  };
}

async function ticketsFrom(requester: string): Promise<number[]> {
  const res = await request(harness.app).get('/api/tickets').query({ requester }).set('Authorization', agentAuth);
  return (res.body.tickets as { id: number }[]).map((t) => t.id);
}

describe('creating a ticket from the email the add-in read', () => {
  it('makes a new ticket for the sender, with the sanitized body, the CCs and the files, answered from the reply mailbox', async () => {
    const internetMessageId = newMessageId();
    const message = paneMessage();
    const res = await post({ internetMessageId, mailbox: 'someone@unlinked.example', replyMailbox: REPLY_MAILBOX, message });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: true, source: 'pane' });
    const ticket = res.body.ticket as TicketDetailView;
    expect(res.headers.etag).toBe(`"${ticket.version}"`);
    expect(ticket).toMatchObject({ subject: 'Printer jammed', status: 'new', mailbox: REPLY_MAILBOX, requester: { email: message.from.email, name: 'Sam Sender' } });
    // Neither the linked mailbox nor the requester becomes a CC.
    expect(ticket.ccs.map((c) => c.email)).toEqual(['colleague@example.test']);
    expect(ticket.comments).toHaveLength(1);
    const comment = ticket.comments[0]!;
    expect(comment).toMatchObject({ source: 'email', visibility: 'public', author: { email: message.from.email } });
    expect(comment.bodyHtml).toContain('<b>floor 2</b>');
    expect(comment.bodyHtml).not.toMatch(/script|steal|tracker/);
    expect(comment.bodyText).toContain('The printer on floor 2 is jammed.');
    expect(comment.attachments).toEqual([{ id: expect.any(Number), filename: 'jam.png', contentType: 'image/png', size: 7, inline: false, omittedReason: null }]);
    const file = await request(harness.app).get(`/api/tickets/${ticket.id}/attachments/${comment.attachments[0]!.id}`).set('Authorization', agentAuth);
    expect(file.status).toBe(200);

    // No acknowledgement: the customer did not write to the helpdesk.
    expect(await harness.store.outbox.listForTicket(ticket.id)).toEqual([]);
    const [audit] = await harness.store.audit.list({ targetType: 'ticket', targetId: ticket.id, limit: 5 });
    expect(audit).toMatchObject({ actor: AGENT.preferred_username, action: 'ticket.created_from_message' });
    expect(JSON.parse(audit!.details)).toEqual({ source: 'pane', mailbox: 'someone@unlinked.example', internetMessageId });
  });

  it('records the Message-ID: lookup finds the ticket, and a sync of the same email finds it recorded', async () => {
    const internetMessageId = newMessageId();
    const created = await post({ internetMessageId, replyMailbox: REPLY_MAILBOX, message: paneMessage() });
    expect(created.status).toBe(201);
    const lookup = await request(harness.app).get('/api/lookup').query({ internetMessageId }).set('Authorization', agentAuth);
    expect(lookup.body).toMatchObject({ disposition: 'ticket_created', ticket: { id: created.body.ticket.id } });
    const mailbox = (await harness.store.mailboxes.findByAddress(REPLY_MAILBOX))!;
    expect(await harness.store.mailMessages.recordedIn(mailbox.id, [internetMessageId])).toEqual(new Set([internetMessageId]));
  });

  it('answers 200 with the same ticket when asked again, under another spelling of the id too', async () => {
    const internetMessageId = newMessageId();
    const message = paneMessage();
    const first = await post({ internetMessageId, replyMailbox: REPLY_MAILBOX, message });
    expect(first.status).toBe(201);
    const again = await post({ internetMessageId: internetMessageId.slice(1, -1), replyMailbox: REPLY_MAILBOX, message: paneMessage({ subject: 'Something else' }) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ticket: expect.objectContaining({ id: first.body.ticket.id, subject: 'Printer jammed' }), created: false });
    expect(await ticketsFrom(message.from.email)).toEqual([first.body.ticket.id]);
  });

  it('makes one ticket of concurrent calls for the same email', async () => {
    const internetMessageId = newMessageId();
    const message = paneMessage();
    const results = await Promise.all([1, 2, 3].map(() => post({ internetMessageId, replyMailbox: REPLY_MAILBOX, message })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = new Set(results.map((r) => (r.body.ticket as TicketDetailView).id));
    expect(ids.size).toBe(1);
    expect(await ticketsFrom(message.from.email)).toEqual([...ids]);
    expect((await harness.store.mailMessages.findByMessageIds([internetMessageId])).length).toBe(1);
  });

  it('gives an email the sync suppressed (recorded without a ticket) the ticket the agent asked for', async () => {
    const internetMessageId = newMessageId();
    const mailbox = (await harness.store.mailboxes.findByAddress(REPLY_MAILBOX))!;
    await harness.store.mailMessages.record({ mailboxId: mailbox.id, internetMessageId, graphMessageId: 'graph-1', direction: 'inbound', ticketId: null, commentId: null, disposition: 'suppressed', dispositionReason: 'auto_response: x', fromAddress: null, subject: null });
    const res = await post({ internetMessageId, replyMailbox: REPLY_MAILBOX, message: paneMessage() });
    expect(res.status).toBe(201);
    const records = await harness.store.mailMessages.findByMessageIds([internetMessageId]);
    expect(records).toEqual([expect.objectContaining({ ticket_id: res.body.ticket.id, disposition: 'ticket_created' })]);
    expect((await post({ internetMessageId, replyMailbox: REPLY_MAILBOX, message: paneMessage() })).status).toBe(200);
  });

  it('answers from the mailbox the email is in when that one is linked but cannot be read now (paused)', async () => {
    const res = await post({ internetMessageId: newMessageId(), mailbox: PAUSED_MAILBOX, message: paneMessage() });
    expect(res.status).toBe(201);
    expect(res.body.ticket.mailbox).toBe(PAUSED_MAILBOX);
  });

  it('keeps a file over the size cap as its name and size only, as a sync does', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x41);
    const res = await post({ internetMessageId: newMessageId(), replyMailbox: REPLY_MAILBOX, message: paneMessage({ attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', contentBase64: big.toString('base64') }] }) });
    expect(res.status).toBe(201);
    const [comment] = (res.body.ticket as TicketDetailView).comments.filter((c) => c.attachments.length > 0);
    expect(comment?.attachments).toEqual([expect.objectContaining({ filename: 'big.bin', size: big.length, omittedReason: 'over_size_cap' })]);
  });
});

describe('what it refuses', () => {
  it('answers 400 invalid_input without the message when the server cannot read the email itself', async () => {
    expectError(await post({ internetMessageId: newMessageId(), mailbox: 'someone@unlinked.example', replyMailbox: REPLY_MAILBOX }), 400, 'invalid_input');
    expectError(await post({ internetMessageId: newMessageId(), mailbox: REPLY_MAILBOX }), 400, 'invalid_input');
    expectError(await post({ internetMessageId: 'no id here', replyMailbox: REPLY_MAILBOX, message: paneMessage() }), 400, 'invalid_input');
  });

  it('answers 422 reply_mailbox_required without a linked mailbox to answer from, and makes nothing', async () => {
    const message = paneMessage();
    expectError(await post({ internetMessageId: newMessageId(), message }), 422, 'reply_mailbox_required');
    expectError(await post({ internetMessageId: newMessageId(), mailbox: 'someone@unlinked.example', message }), 422, 'reply_mailbox_required');
    expectError(await post({ internetMessageId: newMessageId(), replyMailbox: 'not-linked@contoso.test', message }), 422, 'reply_mailbox_required');
    expect(await ticketsFrom(message.from.email)).toEqual([]);
  });

  it('answers 400 invalid_input for an email from a linked support mailbox', async () => {
    expectError(await post({ internetMessageId: newMessageId(), replyMailbox: REPLY_MAILBOX, message: paneMessage({ from: { email: REPLY_MAILBOX } }) }), 400, 'invalid_input');
  });

  it.each([
    ['a subject over 998 characters', { subject: 'x'.repeat(999) }],
    ['a body over 1 MB', { bodyText: 'x'.repeat(1_000_001) }],
    ['HTML over 1 MB', { bodyHtml: 'x'.repeat(1_000_001) }],
    ['a malformed sender', { from: { email: 'not-an-address' } }],
    ['attachments that are not base64', { attachments: [{ filename: 'a.txt', contentType: 'text/plain', contentBase64: 'not base64!' }] }],
    ['an attachment without a name', { attachments: [{ filename: '', contentType: 'text/plain', contentBase64: 'YQ==' }] }],
    ['a receivedAt that is no date', { receivedAt: 'yesterday' }],
  ])('answers 400 validation_failed for %s and makes nothing', async (_name, overrides) => {
    const base = paneMessage();
    expectError(await post({ internetMessageId: newMessageId(), replyMailbox: REPLY_MAILBOX, message: { ...base, ...overrides } }), 400, 'validation_failed');
    expect(await ticketsFrom(base.from.email)).toEqual([]);
  });

  // A 400 from the check, not a 413 from the JSON parser: the route's body limit leaves room for 35 MB of files.
  it('refuses attachments over 35 MB decoded together with 400 validation_failed', async () => {
    const half = Buffer.alloc(17 * 1024 * 1024 + 600 * 1024, 0x42).toString('base64');
    const message = paneMessage({ attachments: [1, 2].map((i) => ({ filename: `part${i}.bin`, contentType: 'application/octet-stream', contentBase64: half })) });
    expectError(await post({ internetMessageId: newMessageId(), replyMailbox: REPLY_MAILBOX, message }), 400, 'validation_failed');
    expect(await ticketsFrom(message.from.email)).toEqual([]);
  }, 60_000);

  it('refuses a missing token (401) and an end user (403) before reading the body; admins may', async () => {
    const message = paneMessage();
    const body = { internetMessageId: newMessageId(), replyMailbox: REPLY_MAILBOX, message };
    expectError(await post(body, ''), 401, 'unauthenticated');
    expectError(await post(body, `Bearer ${await harness.idp.token(END_USER)}`), 403, 'forbidden');
    expect(await ticketsFrom(message.from.email)).toEqual([]);
    const byAdmin = await post(body, `Bearer ${await harness.idp.token(ADMIN)}`);
    expect(byAdmin.status).toBe(201);
    const [audit] = await harness.store.audit.list({ targetType: 'ticket', targetId: byAdmin.body.ticket.id, limit: 1 });
    expect(audit?.actor).toBe(ADMIN.preferred_username);
  });
});
