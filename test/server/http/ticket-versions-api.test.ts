import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { UserRow } from '../../../server/store/schema';
import { applyEndUserReply } from '../../../server/tickets/end-user-reply';
import type { TicketStatus } from '../../../server/tickets/ticket-status';
import type { TicketDetailView, TicketSummaryView } from '../../../server/tickets/ticket-view';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT, END_USER } from '../../support/identity-provider';

/**
 * Ticket versions through the API: the ETag of GET /api/tickets/:id (and the pane's 304 poll), If-Match on
 * every write (412 with the ticket as it is now, nothing written), and the version going up with every
 * change, the customer's email and Relaydesk's own notes included.
 */

let harness: ApiHarness;
let agentAuth: string;
let adminAuth: string;
let agent: UserRow;
let admin: UserRow;

beforeAll(async () => {
  harness = await startApiHarness();
  agentAuth = `Bearer ${await harness.idp.token(AGENT)}`;
  adminAuth = `Bearer ${await harness.idp.token(ADMIN)}`;
  // /api/me makes the caller's staff row, as the pane's first call does.
  agent = await staffRow(agentAuth);
  admin = await staffRow(adminAuth);
});

afterAll(async () => {
  await harness?.close();
});

async function staffRow(auth: string): Promise<UserRow> {
  const res = await request(harness.app).get('/api/me').set('Authorization', auth);
  expect(res.status).toBe(200);
  return (await harness.store.users.findById(res.body.id as number))!;
}

const api = {
  get: (url: string) => request(harness.app).get(url).set('Authorization', agentAuth),
  post: (url: string, body?: string | object) => request(harness.app).post(url).set('Authorization', agentAuth).send(body),
  patch: (url: string, body?: string | object) => request(harness.app).patch(url).set('Authorization', agentAuth).send(body),
  delete: (url: string) => request(harness.app).delete(url).set('Authorization', agentAuth),
};

async function seedTicket(status: TicketStatus = 'open'): Promise<number> {
  const requester = await harness.store.users.ensureByEmail(`customer-${randomUUID().slice(0, 8)}@example.test`, null);
  const ticket = await harness.store.tickets.insert({ mailboxId: null, subject: 'Versioned ticket', status, requesterId: requester.id, referenceTag: 'ABCDE' });
  await harness.store.tickets.addComment({ ticketId: ticket.id, authorId: requester.id, visibility: 'public', source: 'email', bodyText: 'First message' });
  return ticket.id;
}

async function current(id: number): Promise<{ ticket: TicketDetailView; etag: string }> {
  const res = await api.get(`/api/tickets/${id}`);
  expect(res.status).toBe(200);
  return { ticket: res.body as TicketDetailView, etag: res.headers.etag as string };
}

function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

/** Every write on a ticket, each made with the given If-Match (or none). */
function writes(): [string, (id: number, ifMatch?: string) => request.Test, number][] {
  const withTag = (test: request.Test, ifMatch?: string) => (ifMatch === undefined ? test : test.set('If-Match', ifMatch));
  return [
    ['PATCH status', (id, tag) => withTag(api.patch(`/api/tickets/${id}`).send({ status: 'pending' }), tag), 200],
    ['PATCH assignee', (id, tag) => withTag(api.patch(`/api/tickets/${id}`).send({ assigneeId: admin.id }), tag), 200],
    ['POST comment', (id, tag) => withTag(api.post(`/api/tickets/${id}/comments`).send({ body: 'An answer', visibility: 'internal' }), tag), 201],
    ['POST cc', (id, tag) => withTag(api.post(`/api/tickets/${id}/ccs`).send({ email: `cc-${id}@example.test` }), tag), 201],
    ['POST follower', (id, tag) => withTag(api.post(`/api/tickets/${id}/followers`).send({ userId: agent.id }), tag), 201],
    [
      'POST attachment',
      (id, tag) => withTag(request(harness.app).post(`/api/tickets/${id}/attachments`).query({ filename: 'log.txt' }).set('Authorization', agentAuth).set('Content-Type', 'text/plain').send('log'), tag),
      201,
    ],
  ];
}

describe('GET /api/tickets/:id', () => {
  it('answers with the version as a strong ETag, revalidated on every use', async () => {
    const id = await seedTicket();
    const res = await api.get(`/api/tickets/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${res.body.version}"`);
    expect(res.body.version).toBeGreaterThanOrEqual(1);
    expect(res.headers['cache-control']).toBe('no-cache, private');
    expect(res.body.lastActivityAt).toBe(res.body.updatedAt);
  });

  it('answers 304 without a body while the ticket is unchanged, and 200 with the new version once it changes', async () => {
    const id = await seedTicket();
    const { etag } = await current(id);
    const unchanged = await api.get(`/api/tickets/${id}`).set('If-None-Match', etag);
    expect(unchanged.status).toBe(304);
    expect(unchanged.text ?? '').toBe('');
    expect(unchanged.headers.etag).toBe(etag);
    // A weak copy of the tag matches too (RFC 9110's weak comparison for If-None-Match), and so does *.
    expect((await api.get(`/api/tickets/${id}`).set('If-None-Match', `"999999", W/${etag}`)).status).toBe(304);
    expect((await api.get(`/api/tickets/${id}`).set('If-None-Match', '*')).status).toBe(304);

    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'Changed', visibility: 'internal' })).status).toBe(201);
    const changed = await api.get(`/api/tickets/${id}`).set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body.comments.at(-1).bodyText).toBe('Changed');
  });

  it('answers 404 not_found for an unknown ticket, whatever If-None-Match says', async () => {
    expectError(await api.get('/api/tickets/987654321').set('If-None-Match', '*'), 404, 'not_found');
  });
});

describe('If-Match on every write', () => {
  it.each(writes())('%s with the current version succeeds and answers the new version as the ETag', async (_name, write, status) => {
    const id = await seedTicket();
    const before = await current(id);
    const res = await write(id, before.etag);
    expect(res.status).toBe(status);
    const after = await current(id);
    expect(res.headers.etag).toBe(after.etag);
    if (res.body.version !== undefined) expect(res.body.version).toBe(after.ticket.version);
  });

  it.each(writes())('%s with a stale version is refused with 412 ticket_changed and the current ticket, and writes nothing', async (_name, write) => {
    const id = await seedTicket();
    const stale = await current(id);
    // Someone else's change makes the first version stale.
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'A colleague was faster', visibility: 'internal' })).status).toBe(201);
    const now = await current(id);
    expect(now.etag).not.toBe(stale.etag);

    const res = await write(id, stale.etag);
    expectError(res, 412, 'ticket_changed');
    expect(res.body.ticket).toEqual(now.ticket);
    expect(typeof res.body.error.message).toBe('string');
    const after = await current(id);
    expect(after.ticket).toEqual(now.ticket);
    expect(await harness.store.attachments.listForTicket(id)).toHaveLength(0);
  });

  it.each(writes())('%s without If-Match is applied as before (the last writer wins)', async (_name, write, status) => {
    const id = await seedTicket();
    const before = await current(id);
    const res = await write(id);
    expect(res.status).toBe(status);
    // A held upload changes nothing the ticket shows; every other write makes a new version.
    if (res.body.version !== undefined) expect((await current(id)).ticket.version).toBeGreaterThan(before.ticket.version);
    else expect((await current(id)).ticket.version).toBe(before.ticket.version);
  });

  it('refuses removing a CC or follower with a stale version, and accepts it with the current one', async () => {
    const id = await seedTicket();
    const withCc = await api.post(`/api/tickets/${id}/ccs`, { email: 'leaving@example.test' });
    const ccId = (withCc.body as TicketDetailView).ccs[0]!.id;
    const withFollower = await api.post(`/api/tickets/${id}/followers`, { userId: agent.id });
    const staleTag = withCc.headers.etag as string;
    const tag = withFollower.headers.etag as string;

    expectError(await api.delete(`/api/tickets/${id}/ccs/${ccId}`).set('If-Match', staleTag), 412, 'ticket_changed');
    expectError(await api.delete(`/api/tickets/${id}/followers/${agent.id}`).set('If-Match', staleTag), 412, 'ticket_changed');
    const removedCc = await api.delete(`/api/tickets/${id}/ccs/${ccId}`).set('If-Match', tag);
    expect(removedCc.status).toBe(200);
    expect(removedCc.body.ccs).toEqual([]);
    const removedFollower = await api.delete(`/api/tickets/${id}/followers/${agent.id}`).set('If-Match', removedCc.headers.etag as string);
    expect(removedFollower.status).toBe(200);
    expect(removedFollower.body.followers).toEqual([]);
    expect(removedFollower.body.version).toBeGreaterThan(removedCc.body.version);
  });

  it('treats a weak or malformed tag as no match (strong comparison) and * as any version', async () => {
    const id = await seedTicket();
    const { etag } = await current(id);
    expectError(await api.patch(`/api/tickets/${id}`).set('If-Match', `W/${etag}`).send({ status: 'hold' }), 412, 'ticket_changed');
    expectError(await api.patch(`/api/tickets/${id}`).set('If-Match', 'seven').send({ status: 'hold' }), 412, 'ticket_changed');
    expect((await api.patch(`/api/tickets/${id}`).set('If-Match', `"999999", ${etag}`).send({ status: 'hold' })).status).toBe(200);
    expect((await api.patch(`/api/tickets/${id}`).set('If-Match', '*').send({ status: 'open' })).status).toBe(200);
  });

  it('lets exactly one of two writes made on the same version through: the check and the write are one step', async () => {
    const id = await seedTicket();
    const { etag } = await current(id);
    const [a, b] = await Promise.all([
      api.patch(`/api/tickets/${id}`).set('If-Match', etag).send({ assigneeId: agent.id }),
      api.post(`/api/tickets/${id}/comments`).set('If-Match', etag).send({ body: 'Racing', visibility: 'internal' }),
    ]);
    const outcomes = [a.status === 200 ? 'ok' : String(a.status), b.status === 201 ? 'ok' : String(b.status)].sort();
    expect(outcomes).toEqual(['412', 'ok']);
    const after = (await current(id)).ticket;
    const applied = (after.assignee?.id === agent.id ? 1 : 0) + (after.comments.some((c) => c.bodyText === 'Racing') ? 1 : 0);
    expect(applied).toBe(1);
  });

  it('answers 404 (not 412) for an unknown ticket and 409 for a closed one with the current version', async () => {
    expectError(await api.patch('/api/tickets/987654321').set('If-Match', '"1"').send({ status: 'open' }), 404, 'not_found');
    const closed = await seedTicket('closed');
    const { etag } = await current(closed);
    expectError(await api.post(`/api/tickets/${closed}/comments`).set('If-Match', etag).send({ body: 'Too late' }), 409, 'ticket_closed');
  });
});

describe('the version goes up with every change of what the ticket shows', () => {
  it('when the customer replies by email (inbound), and when Relaydesk notes something itself', async () => {
    const id = await seedTicket('pending');
    const before = await current(id);
    const requester = (await harness.store.tickets.findById(id))!.requester_id;
    await harness.store.transaction((repos) => applyEndUserReply(repos, { ticketId: id, authorId: requester, bodyText: 'Still broken' }));
    const afterReply = await api.get(`/api/tickets/${id}`).set('If-None-Match', before.etag);
    expect(afterReply.status).toBe(200);
    expect(afterReply.body).toMatchObject({ status: 'open' });
    expect(afterReply.body.version).toBeGreaterThan(before.ticket.version);
    expect(afterReply.body.lastActivityAt >= before.ticket.lastActivityAt).toBe(true);

    const system = await harness.store.users.ensureSystemUser();
    await harness.store.tickets.addComment({ ticketId: id, authorId: system.id, visibility: 'internal', source: 'system', bodyText: 'Delivery failed' });
    const afterNote = await api.get(`/api/tickets/${id}`).set('If-None-Match', afterReply.headers.etag as string);
    expect(afterNote.status).toBe(200);
    expect(afterNote.body.version).toBeGreaterThan(afterReply.body.version);
  });

  it('when a reply takes an uploaded file, which its comment then lists', async () => {
    const id = await seedTicket();
    const upload = await request(harness.app).post(`/api/tickets/${id}/attachments`).query({ filename: 'report.pdf' }).set('Authorization', agentAuth).set('Content-Type', 'application/pdf').send(Buffer.from('%PDF-1.4'));
    expect(upload.status).toBe(201);
    const held = await current(id);
    // A held upload is not shown yet: the ticket's ETag did not move.
    expect(upload.headers.etag).toBe(held.etag);
    const reply = await api.post(`/api/tickets/${id}/comments`, { body: 'See the report', visibility: 'internal', attachmentIds: [upload.body.id] });
    expect(reply.status).toBe(201);
    expect(reply.body.version).toBeGreaterThan(held.ticket.version);
    expect(reply.body.comments.at(-1).attachments).toEqual([{ id: upload.body.id, filename: 'report.pdf', contentType: 'application/pdf', size: 8, inline: false, omittedReason: null }]);
    expect(reply.body.comments[0].attachments).toEqual([]);
  });

  it('and every summary of the queue carries it with the last activity', async () => {
    const id = await seedTicket();
    const detail = (await current(id)).ticket;
    const res = await api.get('/api/tickets').query({ status: 'open', limit: 100 });
    const row = (res.body.tickets as TicketSummaryView[]).find((t) => t.id === id);
    expect(row).toMatchObject({ version: detail.version, lastActivityAt: detail.updatedAt });
  });
});

describe('who may read and write', () => {
  it('refuses a missing token (401) and an end user (403) on reads and conditional writes alike', async () => {
    const id = await seedTicket();
    const endUser = `Bearer ${await harness.idp.token(END_USER)}`;
    expectError(await request(harness.app).get(`/api/tickets/${id}`).set('If-None-Match', '"1"'), 401, 'unauthenticated');
    expectError(await request(harness.app).get(`/api/tickets/${id}`).set('Authorization', endUser), 403, 'forbidden');
    expectError(await request(harness.app).patch(`/api/tickets/${id}`).set('Authorization', endUser).set('If-Match', '"1"').send({ status: 'hold' }), 403, 'forbidden');
    const admin304 = await request(harness.app).get(`/api/tickets/${id}`).set('Authorization', adminAuth).set('If-None-Match', (await current(id)).etag);
    expect(admin304.status).toBe(304);
  });
});
