import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { UserRow } from '../../../server/store/schema';
import type { TicketStatus } from '../../../server/tickets/ticket-status';
import type { TicketDetailView, TicketSummaryView } from '../../../server/tickets/ticket-view';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT } from '../../support/identity-provider';

/**
 * The agent REST API for tickets, end to end through the real express app, auth middleware and store.
 * Tests share one store (one harness per file keeps the file fast), so every test makes its own tickets
 * with its own requester address or subject marker and filters on it; none depends on another's rows.
 * Assertions are on HTTP status, error code and the state re-read afterwards, never on message text.
 */

let harness: ApiHarness;
let agentAuth: string;
let adminAuth: string;
/** The agent behind AGENT's token, as the API records them on first use. */
let agent: UserRow;
let admin: UserRow;

beforeAll(async () => {
  harness = await startApiHarness();
  agentAuth = `Bearer ${await harness.idp.token(AGENT)}`;
  adminAuth = `Bearer ${await harness.idp.token(ADMIN)}`;
  // One write each so the API creates the staff rows the way it does in production (reads do not).
  expect((await request(harness.app).post('/api/tickets').set('Authorization', agentAuth).send(newTicketBody())).status).toBe(201);
  expect((await request(harness.app).post('/api/tickets').set('Authorization', adminAuth).send(newTicketBody())).status).toBe(201);
  agent = await findUser(AGENT.preferred_username);
  admin = await findUser(ADMIN.preferred_username);
});

afterAll(async () => {
  await harness?.close();
});

// ---- helpers -------------------------------------------------------------------------------------------

const api = {
  get: (url: string) => request(harness.app).get(url).set('Authorization', agentAuth),
  post: (url: string, body?: string | object) => request(harness.app).post(url).set('Authorization', agentAuth).send(body),
  patch: (url: string, body?: string | object) => request(harness.app).patch(url).set('Authorization', agentAuth).send(body),
  delete: (url: string) => request(harness.app).delete(url).set('Authorization', agentAuth),
};

/** A unique, lower-case address so each test's tickets can be told apart from every other test's. */
function uniqueEmail(label = 'customer'): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

function newTicketBody(overrides: Record<string, unknown> = {}) {
  return { requester: { email: uniqueEmail(), name: 'Pat Customer' }, subject: 'Printer on fire', body: 'It is smoking.', ...overrides };
}

async function findUser(email: string): Promise<UserRow> {
  const user = await harness.store.users.findByEmail(email);
  if (!user) throw new Error(`test setup: no user ${email}`);
  return user;
}

/** A ticket made straight in the store, for states and shapes the API cannot produce (e.g. `new`, `closed`). */
async function seedTicket(options: { status?: TicketStatus; requester?: string; subject?: string; assigneeId?: number | null } = {}): Promise<number> {
  const requester = await harness.store.users.ensureByEmail(options.requester ?? uniqueEmail(), null);
  const ticket = await harness.store.tickets.insert({
    mailboxId: null,
    subject: options.subject ?? 'Seeded ticket',
    status: options.status ?? 'new',
    requesterId: requester.id,
    assigneeId: options.assigneeId ?? null,
    referenceTag: 'ABCDE',
  });
  await harness.store.tickets.addComment({ ticketId: ticket.id, authorId: requester.id, visibility: 'public', source: 'email', bodyText: 'Seeded first message' });
  return ticket.id;
}

async function endUser(): Promise<UserRow> {
  return harness.store.users.ensureByEmail(uniqueEmail('end-user'), 'Eve End-User');
}

async function reread(id: number): Promise<TicketDetailView> {
  const res = await api.get(`/api/tickets/${id}`);
  expect(res.status).toBe(200);
  return res.body as TicketDetailView;
}

async function list(query: Record<string, string | number>): Promise<{ tickets: TicketSummaryView[]; nextCursor: number | null }> {
  const res = await api.get('/api/tickets').query(query);
  expect(res.status).toBe(200);
  return res.body as { tickets: TicketSummaryView[]; nextCursor: number | null };
}

async function listIds(query: Record<string, string | number>): Promise<number[]> {
  return (await list(query)).tickets.map((t) => t.id);
}

function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

// ---- creating and reading ------------------------------------------------------------------------------

describe('POST /api/tickets', () => {
  it('creates an open ticket with the body as its first public comment, authored by the calling agent', async () => {
    const requester = uniqueEmail();
    const res = await api.post('/api/tickets', {
      requester: { email: `  ${requester.toUpperCase()} `, name: 'Pat Customer' },
      subject: 'VPN drops every hour',
      body: 'Since Monday the VPN disconnects.',
      ccs: [{ email: 'Manager@Example.test', name: 'Morgan Manager' }],
    });
    expect(res.status).toBe(201);
    const created = res.body as TicketDetailView;
    expect(created).toMatchObject({
      subject: 'VPN drops every hour',
      status: 'open',
      requester: { email: requester, name: 'Pat Customer' },
      assignee: null,
      mailbox: null,
      followUpOf: null,
      ccs: [{ email: 'manager@example.test', name: 'Morgan Manager' }],
      followers: [],
    });
    expect(created.reference).toMatch(/^[0-9A-Z]+-[0-9A-Z]{5}$/);
    expect(created.referenceToken).toBe(`[RD:${created.reference}]`);
    expect(created.comments).toHaveLength(1);
    expect(created.comments[0]).toMatchObject({
      author: { id: agent.id, email: AGENT.preferred_username },
      visibility: 'public',
      source: 'api',
      bodyText: 'Since Monday the VPN disconnects.',
    });

    // What was answered is what was stored.
    expect(await reread(created.id)).toEqual(created);
  });

  it('links the ticket to a known mailbox', async () => {
    await harness.store.mailboxes.insert('helpdesk-create@contoso.test', 'Helpdesk', 'active');
    const res = await api.post('/api/tickets', newTicketBody({ mailbox: 'HelpDesk-Create@contoso.test' }));
    expect(res.status).toBe(201);
    expect((await reread(res.body.id)).mailbox).toBe('helpdesk-create@contoso.test');
  });

  it('refuses an unknown mailbox with 400 invalid_input and creates nothing', async () => {
    const body = newTicketBody({ mailbox: 'nobody-links-me@contoso.test' });
    expectError(await api.post('/api/tickets', body), 400, 'invalid_input');
    expect(await listIds({ requester: body.requester.email })).toEqual([]);
  });

  it('refuses the requester as a CC with 400 invalid_input and creates nothing', async () => {
    const body = newTicketBody();
    expectError(await api.post('/api/tickets', { ...body, ccs: [{ email: body.requester.email }] }), 400, 'invalid_input');
    expect(await listIds({ requester: body.requester.email })).toEqual([]);
  });

  it('refuses a linked support mailbox as a CC with 422 and rolls the whole ticket back', async () => {
    await harness.store.mailboxes.insert('support-create@contoso.test', 'Support', 'active');
    const body = newTicketBody({ ccs: [{ email: 'friend@example.test' }, { email: 'support-create@contoso.test' }] });
    expectError(await api.post('/api/tickets', body), 422, 'cc_is_support_address');
    expect(await listIds({ requester: body.requester.email })).toEqual([]);
  });

  it.each([
    ['a malformed requester email', { requester: { email: 'not-an-address' } }],
    ['no requester', { requester: undefined }],
    ['an empty subject', { subject: '   ' }],
    ['an empty body', { body: '' }],
    ['a non-string body', { body: 42 }],
    ['49 CCs', { ccs: Array.from({ length: 49 }, (_, i) => ({ email: `cc${i}@example.test` })) }],
    ['a CC with a malformed email', { ccs: [{ email: 'nope' }] }],
  ])('answers 400 validation_failed for %s and creates nothing', async (_name, overrides) => {
    const requester = uniqueEmail();
    const body = { ...newTicketBody({ requester: { email: requester } }), ...overrides };
    expectError(await api.post('/api/tickets', body), 400, 'validation_failed');
    expect(await listIds({ requester })).toEqual([]);
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    const res = await api.post('/api/tickets').set('Content-Type', 'application/json').send('{"requester": {"email": ');
    expectError(res, 400, 'malformed_json');
  });

  it('answers 400 validation_failed when the body is not sent as JSON', async () => {
    const res = await api.post('/api/tickets').set('Content-Type', 'text/plain').send(JSON.stringify(newTicketBody()));
    expectError(res, 400, 'validation_failed');
  });
});

describe('GET /api/tickets/:id', () => {
  it('returns the ticket with every comment in order (public and internal) and its participants', async () => {
    const id = await seedTicket({ status: 'open' });
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'Internal: check the logs', visibility: 'internal' })).status).toBe(201);
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'We are on it.' })).status).toBe(201);
    expect((await api.post(`/api/tickets/${id}/ccs`, { email: 'colleague@example.test', name: 'Colin Colleague' })).status).toBe(201);
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: admin.id })).status).toBe(201);

    const ticket = await reread(id);
    expect(ticket.id).toBe(id);
    expect(ticket.comments.map((c) => [c.visibility, c.source, c.bodyText])).toEqual([
      ['public', 'email', 'Seeded first message'],
      ['internal', 'api', 'Internal: check the logs'],
      ['public', 'api', 'We are on it.'],
    ]);
    expect(ticket.comments[1]?.author.id).toBe(agent.id);
    expect(ticket.ccs).toEqual([expect.objectContaining({ email: 'colleague@example.test', name: 'Colin Colleague' })]);
    expect(ticket.followers).toEqual([expect.objectContaining({ id: admin.id, email: ADMIN.preferred_username })]);
  });

  it('answers 404 not_found for a ticket that does not exist', async () => {
    expectError(await api.get('/api/tickets/987654'), 404, 'not_found');
  });

  // PostgreSQL's `serial` ids are 32-bit; an id past that range is still just a ticket that does not exist.
  it('answers 404 not_found (not 500) for an id beyond the 32-bit range', async () => {
    expectError(await api.get('/api/tickets/2147483648'), 404, 'not_found');
  });

  it.each(['abc', '0', '-3', '1.5', '9007199254740993'])('answers 400 validation_failed for the id %p', async (id) => {
    expectError(await api.get(`/api/tickets/${id}`), 400, 'validation_failed');
  });
});

// ---- listing and searching -----------------------------------------------------------------------------

describe('GET /api/tickets', () => {
  it('filters by one status and by a comma-separated list of statuses', async () => {
    const requester = uniqueEmail();
    const ids = {} as Record<TicketStatus, number>;
    for (const status of ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const) ids[status] = await seedTicket({ status, requester });

    expect(await listIds({ requester, status: 'pending' })).toEqual([ids.pending]);
    expect(await listIds({ requester, status: 'new,open' })).toEqual([ids.open, ids.new]);
    expect(await listIds({ requester, status: ' solved , closed ' })).toEqual([ids.closed, ids.solved]);
    expect((await listIds({ requester })).sort((a, b) => a - b)).toEqual(Object.values(ids).sort((a, b) => a - b));
  });

  it('filters by requester, whatever the case of the address', async () => {
    const mine = uniqueEmail();
    const a = await seedTicket({ requester: mine });
    const b = await seedTicket({ requester: mine });
    await seedTicket({ requester: uniqueEmail() });
    expect(await listIds({ requester: mine.toUpperCase() })).toEqual([b, a]);
  });

  it('returns summaries, newest first, with an empty page and no cursor when nothing matches', async () => {
    const requester = uniqueEmail();
    const first = await seedTicket({ requester, subject: 'First' });
    const second = await seedTicket({ requester, subject: 'Second' });
    const page = await list({ requester });
    expect(page.nextCursor).toBeNull();
    expect(page.tickets.map((t) => [t.id, t.subject])).toEqual([
      [second, 'Second'],
      [first, 'First'],
    ]);
    // A summary has no comments or participants.
    expect(page.tickets[0]).not.toHaveProperty('comments');
    expect(await list({ requester: uniqueEmail('nobody') })).toEqual({ tickets: [], nextCursor: null });
  });

  it('filters by assignee and by mailbox', async () => {
    const requester = uniqueEmail();
    const assigned = await seedTicket({ requester, assigneeId: agent.id, status: 'open' });
    await seedTicket({ requester });
    expect(await listIds({ requester, assignee: agent.id })).toEqual([assigned]);

    await harness.store.mailboxes.insert('filter-box@contoso.test', null, 'active');
    const inBox = (await api.post('/api/tickets', newTicketBody({ requester: { email: requester }, mailbox: 'filter-box@contoso.test' }))).body.id as number;
    expect(await listIds({ requester, mailbox: 'FILTER-BOX@contoso.test' })).toEqual([inBox]);
    expect(await listIds({ requester, mailbox: 'unknown-box@contoso.test' })).toEqual([]);
  });

  it('finds text in the subject, case-insensitively', async () => {
    const marker = `zebra${randomUUID().slice(0, 6)}`;
    const hit = await seedTicket({ subject: `Invoice ${marker.toUpperCase()} is wrong` });
    await seedTicket({ subject: 'Unrelated' });
    expect(await listIds({ q: marker })).toEqual([hit]);
  });

  it('finds text that appears only in a comment body, public or internal', async () => {
    const requester = uniqueEmail();
    const publicMarker = `walrus${randomUUID().slice(0, 6)}`;
    const internalMarker = `narwhal${randomUUID().slice(0, 6)}`;
    const a = await seedTicket({ requester, subject: 'No marker here', status: 'open' });
    const b = await seedTicket({ requester, subject: 'Nor here', status: 'open' });
    await seedTicket({ requester, subject: 'Nothing at all' });
    expect((await api.post(`/api/tickets/${a}/comments`, { body: `The serial is ${publicMarker}.` })).status).toBe(201);
    expect((await api.post(`/api/tickets/${b}/comments`, { body: `Note ${internalMarker}`, visibility: 'internal' })).status).toBe(201);
    expect(await listIds({ requester, q: publicMarker })).toEqual([a]);
    expect(await listIds({ requester, q: internalMarker.toUpperCase() })).toEqual([b]);
    // A ticket with a match in several comments is listed once.
    expect((await api.post(`/api/tickets/${a}/comments`, { body: `Again ${publicMarker}` })).status).toBe(201);
    expect(await listIds({ requester, q: publicMarker })).toEqual([a]);
  });

  // Without escaping, `%` and `_` in the search text would act as LIKE wildcards and match far too much.
  it('matches %, _ and \\ in the search text literally', async () => {
    const requester = uniqueEmail();
    const percent = await seedTicket({ requester, subject: 'Discount 50% off' });
    const fiftyX = await seedTicket({ requester, subject: 'Discount 50x off' });
    const underscore = await seedTicket({ requester, subject: 'Field user_id is empty' });
    const userXid = await seedTicket({ requester, subject: 'Field userXid is empty' });
    const backslash = await seedTicket({ requester, subject: 'Path C:\\temp fails' });
    expect(await listIds({ requester, q: '50%' })).toEqual([percent]);
    expect(await listIds({ requester, q: '%' })).toEqual([percent]);
    expect(await listIds({ requester, q: 'user_id' })).toEqual([underscore]);
    expect(await listIds({ requester, q: '_' })).toEqual([underscore]);
    expect(await listIds({ requester, q: 'C:\\temp' })).toEqual([backslash]);
    expect((await listIds({ requester, q: 'Discount' })).sort()).toEqual([percent, fiftyX].sort());
    expect(await listIds({ requester, q: 'userXid' })).toEqual([userXid]);
  });

  // Agents type what they read; "Ärger" must find a subject that says "Ärger".
  it('finds non-ASCII text typed exactly as it is stored', async () => {
    const requester = uniqueEmail();
    const hit = await seedTicket({ requester, subject: 'Ärger mit der Rechnung' });
    expect(await listIds({ requester, q: 'Ärger' })).toEqual([hit]);
  });

  it('pages with cursor and limit through every match exactly once', async () => {
    const requester = uniqueEmail();
    const created: number[] = [];
    for (let i = 0; i < 8; i++) created.push(await seedTicket({ requester, subject: `Paged ${i}` }));

    const seen: number[] = [];
    const pageSizes: number[] = [];
    let cursor: number | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: { tickets: TicketSummaryView[]; nextCursor: number | null } = await list({ requester, limit: 3, ...(cursor ? { cursor } : {}) });
      pageSizes.push(page.tickets.length);
      seen.push(...page.tickets.map((t) => t.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
      expect(cursor).toBe(page.tickets.at(-1)?.id);
    }
    expect(pageSizes).toEqual([3, 3, 2]);
    expect(seen).toEqual([...created].reverse()); // newest first, no duplicates, no gaps
  });

  it('does not offer a next page when the last page is exactly full', async () => {
    const requester = uniqueEmail();
    for (let i = 0; i < 4; i++) await seedTicket({ requester });
    const first = await list({ requester, limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await list({ requester, limit: 2, cursor: first.nextCursor as number });
    expect(second.tickets).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
  });

  it('pages a text search with the other filters applied on every page', async () => {
    const requester = uniqueEmail();
    const marker = `pagedsearch${randomUUID().slice(0, 6)}`;
    const matching: number[] = [];
    for (let i = 0; i < 5; i++) {
      matching.push(await seedTicket({ requester, subject: `${marker} ${i}`, status: 'open' }));
      await seedTicket({ requester, subject: `${marker} closed ${i}`, status: 'closed' });
    }
    const first = await list({ requester, q: marker, status: 'open', limit: 2 });
    const second = await list({ requester, q: marker, status: 'open', limit: 2, cursor: first.nextCursor as number });
    const third = await list({ requester, q: marker, status: 'open', limit: 2, cursor: second.nextCursor as number });
    expect(third.nextCursor).toBeNull();
    expect([...first.tickets, ...second.tickets, ...third.tickets].map((t) => t.id)).toEqual([...matching].reverse());
  });

  // Same 32-bit limit as above: a cursor past it simply means "from the newest".
  it('accepts a cursor beyond the 32-bit range', async () => {
    const requester = uniqueEmail();
    const id = await seedTicket({ requester });
    const res = await api.get('/api/tickets').query({ requester, cursor: 2147483648 });
    expect(res.status).toBe(200);
    expect((res.body as { tickets: TicketSummaryView[] }).tickets.map((t) => t.id)).toEqual([id]);
  });

  it.each([
    ['an unknown status', { status: 'archived' }],
    ['an unknown status in a list', { status: 'open,bogus' }],
    ['a malformed requester', { requester: 'not-an-email' }],
    ['a malformed mailbox', { mailbox: 'nope' }],
    ['an assignee that is neither an id nor me or none', { assignee: 'someone' }],
    ['a blank search text', { q: '   ' }],
    ['a non-numeric cursor', { cursor: 'abc' }],
    ['a zero cursor', { cursor: 0 }],
    ['limit 0', { limit: 0 }],
    ['limit 101', { limit: 101 }],
    ['a fractional limit', { limit: 2.5 }],
    ['a non-numeric limit', { limit: 'ten' }],
  ])('answers 400 validation_failed for %s', async (_name, query) => {
    expectError(await api.get('/api/tickets').query(query), 400, 'validation_failed');
  });

  it('answers 400 validation_failed when a filter is repeated instead of comma-separated', async () => {
    expectError(await api.get('/api/tickets?status=open&status=new'), 400, 'validation_failed');
  });
});

// ---- comments ------------------------------------------------------------------------------------------

describe('POST /api/tickets/:id/comments', () => {
  it('moves a new ticket to open on a public agent reply', async () => {
    const id = await seedTicket({ status: 'new' });
    const res = await api.post(`/api/tickets/${id}/comments`, { body: 'Hello, we are looking into it.' });
    expect(res.status).toBe(201);
    const ticket = await reread(id);
    expect(ticket.status).toBe('open');
    expect(ticket.comments.at(-1)).toMatchObject({ visibility: 'public', source: 'api', bodyText: 'Hello, we are looking into it.', author: { id: agent.id } });
  });

  it('leaves a new ticket new on an internal note', async () => {
    const id = await seedTicket({ status: 'new' });
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'Looks like a duplicate', visibility: 'internal' })).status).toBe(201);
    const ticket = await reread(id);
    expect(ticket.status).toBe('new');
    expect(ticket.comments.at(-1)).toMatchObject({ visibility: 'internal', bodyText: 'Looks like a duplicate' });
  });

  it('leaves a pending ticket pending on a public reply', async () => {
    const id = await seedTicket({ status: 'pending' });
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'Any news?' })).status).toBe(201);
    expect((await reread(id)).status).toBe('pending');
  });

  it('sets the status given with the comment', async () => {
    const id = await seedTicket({ status: 'new' });
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'Fixed, closing the loop.', status: 'solved' })).status).toBe(201);
    expect((await reread(id)).status).toBe('solved');
  });

  it('refuses an illegal status with 409 invalid_transition and keeps neither comment nor status', async () => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/comments`, { body: 'Closing right away', status: 'closed' }), 409, 'invalid_transition');
    const ticket = await reread(id);
    expect(ticket.status).toBe('open');
    expect(ticket.comments.map((c) => c.bodyText)).toEqual(['Seeded first message']);
  });

  it('refuses any comment on a closed ticket with 409 ticket_closed', async () => {
    const id = await seedTicket({ status: 'closed' });
    expectError(await api.post(`/api/tickets/${id}/comments`, { body: 'Too late' }), 409, 'ticket_closed');
    expectError(await api.post(`/api/tickets/${id}/comments`, { body: 'Too late', visibility: 'internal' }), 409, 'ticket_closed');
    expect((await reread(id)).comments).toHaveLength(1);
  });

  it('answers 404 not_found for an unknown ticket', async () => {
    expectError(await api.post('/api/tickets/987654/comments', { body: 'Hello?' }), 404, 'not_found');
  });

  it.each([
    ['an empty body', { body: '' }],
    ['no body', {}],
    ['an unknown visibility', { body: 'x', visibility: 'secret' }],
    ['an unknown status', { body: 'x', status: 'done' }],
  ])('answers 400 validation_failed for %s and stores nothing', async (_name, body) => {
    const id = await seedTicket({ status: 'new' });
    expectError(await api.post(`/api/tickets/${id}/comments`, body), 400, 'validation_failed');
    const ticket = await reread(id);
    expect(ticket.comments).toHaveLength(1);
    expect(ticket.status).toBe('new');
  });

  it('answers 400 malformed_json for a broken JSON body', async () => {
    const id = await seedTicket({ status: 'open' });
    const res = await api.post(`/api/tickets/${id}/comments`).set('Content-Type', 'application/json').send('{"body": "unterminated');
    expectError(res, 400, 'malformed_json');
  });
});

describe('POST /api/tickets/:id/attachments (files for a reply)', () => {
  const upload = (id: number, query: Record<string, string>, type: string, body: Buffer | string) =>
    request(harness.app).post(`/api/tickets/${id}/attachments`).query(query).set('Authorization', agentAuth).set('Content-Type', type).send(body);

  it("holds an upload until a comment of the same ticket takes it, once: another ticket's comment or a second comment is refused", async () => {
    const id = await seedTicket({ status: 'open' });
    const other = await seedTicket({ status: 'open' });
    const res = await upload(id, { filename: 'plan.pdf' }, 'application/pdf', Buffer.from('%PDF-1.7 plan'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ filename: 'plan.pdf', contentType: 'application/pdf', size: 13 });
    expectError(await api.post(`/api/tickets/${other}/comments`, { body: 'Wrong ticket', attachmentIds: [res.body.id] }), 400, 'invalid_input');
    expect((await reread(other)).comments).toHaveLength(1);
    expect((await api.post(`/api/tickets/${id}/comments`, { body: 'Attached', visibility: 'internal', attachmentIds: [res.body.id] })).status).toBe(201);
    expectError(await api.post(`/api/tickets/${id}/comments`, { body: 'Again', visibility: 'internal', attachmentIds: [res.body.id] }), 400, 'invalid_input');
    expect((await reread(id)).comments).toHaveLength(2);
  });

  it('refuses an upload without a file name (400), a JSON body instead of the file (415), an empty file (400), and one for a closed ticket (409)', async () => {
    const id = await seedTicket({ status: 'open' });
    expectError(await upload(id, {}, 'application/pdf', Buffer.from('x')), 400, 'validation_failed');
    expectError(await upload(id, { filename: 'x.json' }, 'application/json', '{"a":1}'), 415, 'unsupported_media_type');
    expectError(await upload(id, { filename: 'empty.bin' }, 'application/octet-stream', Buffer.alloc(0)), 400, 'invalid_input');
    expectError(await upload(await seedTicket({ status: 'closed' }), { filename: 'late.txt' }, 'text/plain', 'late'), 409, 'ticket_closed');
  });
});

// ---- status and assignee -------------------------------------------------------------------------------

describe('PATCH /api/tickets/:id (status)', () => {
  it.each([
    ['new', 'pending'],
    ['open', 'pending'],
    ['pending', 'open'],
    ['hold', 'solved'],
    ['solved', 'open'],
    ['solved', 'closed'],
  ] as const)('moves %s to %s', async (from, to) => {
    const id = await seedTicket({ status: from });
    const res = await api.patch(`/api/tickets/${id}`, { status: to });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(to);
    expect((await reread(id)).status).toBe(to);
  });

  it.each([
    ['closed', 'open'],
    ['closed', 'solved'],
    ['open', 'new'],
    ['open', 'closed'],
    ['new', 'closed'],
  ] as const)('refuses %s -> %s with 409 invalid_transition and keeps the status', async (from, to) => {
    const id = await seedTicket({ status: from });
    expectError(await api.patch(`/api/tickets/${id}`, { status: to }), 409, 'invalid_transition');
    expect((await reread(id)).status).toBe(from);
  });

  it('answers 404 not_found for an unknown ticket', async () => {
    expectError(await api.patch('/api/tickets/987654', { status: 'open' }), 404, 'not_found');
  });

  it.each([
    ['an unknown status', { status: 'archived' }],
    ['an empty patch', {}],
    ['an unknown field', { status: 'pending', subject: 'Renamed' }],
    ['only an unknown field', { priority: 'high' }],
    ['a non-numeric assignee', { assigneeId: 'agent' }],
  ])('answers 400 validation_failed for %s and changes nothing', async (_name, body) => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.patch(`/api/tickets/${id}`, body), 400, 'validation_failed');
    const ticket = await reread(id);
    expect(ticket.status).toBe('open');
    expect(ticket.subject).toBe('Seeded ticket');
  });

  it('answers 400 validation_failed for a non-numeric ticket id', async () => {
    expectError(await api.patch('/api/tickets/abc', { status: 'open' }), 400, 'validation_failed');
  });

  it('answers 400 malformed_json for a broken JSON body', async () => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.patch(`/api/tickets/${id}`).set('Content-Type', 'application/json').send("{status: 'pending'}"), 400, 'malformed_json');
    expect((await reread(id)).status).toBe('open');
  });
});

describe('PATCH /api/tickets/:id (assignee)', () => {
  it('assigns an agent and opens a new ticket', async () => {
    const id = await seedTicket({ status: 'new' });
    const res = await api.patch(`/api/tickets/${id}`, { assigneeId: agent.id });
    expect(res.status).toBe(200);
    const ticket = await reread(id);
    expect(ticket.assignee).toEqual({ id: agent.id, email: AGENT.preferred_username });
    expect(ticket.status).toBe('open');
  });

  it('assigns an admin and leaves a pending ticket pending', async () => {
    const id = await seedTicket({ status: 'pending' });
    expect((await api.patch(`/api/tickets/${id}`, { assigneeId: admin.id })).status).toBe(200);
    const ticket = await reread(id);
    expect(ticket.assignee?.id).toBe(admin.id);
    expect(ticket.status).toBe('pending');
  });

  it('assigns and sets a status in one call', async () => {
    const id = await seedTicket({ status: 'new' });
    expect((await api.patch(`/api/tickets/${id}`, { assigneeId: agent.id, status: 'hold' })).status).toBe(200);
    const ticket = await reread(id);
    expect([ticket.assignee?.id, ticket.status]).toEqual([agent.id, 'hold']);
  });

  it('refuses an end user as assignee with 422 assignee_not_agent and changes nothing', async () => {
    const id = await seedTicket({ status: 'new' });
    const user = await endUser();
    expectError(await api.patch(`/api/tickets/${id}`, { assigneeId: user.id }), 422, 'assignee_not_agent');
    const ticket = await reread(id);
    expect([ticket.assignee, ticket.status]).toEqual([null, 'new']);
  });

  it('refuses a user id that does not exist with 422 assignee_not_agent', async () => {
    const id = await seedTicket({ status: 'new' });
    expectError(await api.patch(`/api/tickets/${id}`, { assigneeId: 987654 }), 422, 'assignee_not_agent');
    expect((await reread(id)).assignee).toBeNull();
  });

  it('unassigns with null and keeps the status', async () => {
    const id = await seedTicket({ status: 'pending', assigneeId: agent.id });
    const res = await api.patch(`/api/tickets/${id}`, { assigneeId: null });
    expect(res.status).toBe(200);
    const ticket = await reread(id);
    expect([ticket.assignee, ticket.status]).toEqual([null, 'pending']);
  });

  it('lets the assignee of a listed ticket be found with the assignee filter afterwards', async () => {
    const requester = uniqueEmail();
    const id = await seedTicket({ requester, status: 'open' });
    expect(await listIds({ requester, assignee: admin.id })).toEqual([]);
    expect((await api.patch(`/api/tickets/${id}`, { assigneeId: admin.id })).status).toBe(200);
    expect(await listIds({ requester, assignee: admin.id })).toEqual([id]);
  });
});

describe('closed tickets are final', () => {
  it('refuses every change to a closed ticket with 409 and leaves it as it was', async () => {
    const id = await seedTicket({ status: 'closed', assigneeId: agent.id });
    const follower = admin.id;
    const before = await reread(id);

    expectError(await api.patch(`/api/tickets/${id}`, { status: 'open' }), 409, 'invalid_transition');
    expectError(await api.patch(`/api/tickets/${id}`, { assigneeId: admin.id }), 409, 'ticket_closed');
    expectError(await api.patch(`/api/tickets/${id}`, { assigneeId: null }), 409, 'ticket_closed');
    expectError(await api.post(`/api/tickets/${id}/comments`, { body: 'Reopen please' }), 409, 'ticket_closed');
    expectError(await api.post(`/api/tickets/${id}/ccs`, { email: uniqueEmail('late-cc') }), 409, 'ticket_closed');
    expectError(await api.post(`/api/tickets/${id}/followers`, { userId: follower }), 409, 'ticket_closed');

    const after = await reread(id);
    expect(after).toEqual(before);
  });

  it('refuses to remove participants from a closed ticket with 409 ticket_closed', async () => {
    const id = await seedTicket({ status: 'solved' });
    const cc = (await api.post(`/api/tickets/${id}/ccs`, { email: uniqueEmail('cc') })).body.ccs[0].id as number;
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: agent.id })).status).toBe(201);
    expect((await api.patch(`/api/tickets/${id}`, { status: 'closed' })).status).toBe(200);

    expectError(await api.delete(`/api/tickets/${id}/ccs/${cc}`), 409, 'ticket_closed');
    expectError(await api.delete(`/api/tickets/${id}/followers/${agent.id}`), 409, 'ticket_closed');
    const ticket = await reread(id);
    expect(ticket.ccs.map((p) => p.id)).toEqual([cc]);
    expect(ticket.followers.map((p) => p.id)).toEqual([agent.id]);
  });
});

// ---- CCs -----------------------------------------------------------------------------------------------

/** Puts `count` distinct CCs on a ticket straight through the store. */
async function seedCcs(ticketId: number, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const user = await harness.store.users.ensureByEmail(uniqueEmail(`cc${i}`), null);
    await harness.store.tickets.addParticipant(ticketId, user.id, 'cc');
    ids.push(user.id);
  }
  return ids;
}

describe('CCs', () => {
  it('adds a CC (201), normalising the address, and adding them again changes nothing', async () => {
    const id = await seedTicket({ status: 'open' });
    const email = uniqueEmail('cc');
    const res = await api.post(`/api/tickets/${id}/ccs`, { email: ` ${email.toUpperCase()} `, name: 'Cody Cc' });
    expect(res.status).toBe(201);
    expect((res.body as TicketDetailView).ccs).toEqual([expect.objectContaining({ email, name: 'Cody Cc' })]);

    expect((await api.post(`/api/tickets/${id}/ccs`, { email })).status).toBe(201);
    expect((await reread(id)).ccs.map((p) => p.email)).toEqual([email]);
  });

  it('accepts the 48th CC and refuses the 49th with 422 too_many_ccs', async () => {
    const id = await seedTicket({ status: 'open' });
    await seedCcs(id, 47);
    expect((await api.post(`/api/tickets/${id}/ccs`, { email: uniqueEmail('cc48') })).status).toBe(201);
    expect((await reread(id)).ccs).toHaveLength(48);

    const extra = uniqueEmail('cc49');
    expectError(await api.post(`/api/tickets/${id}/ccs`, { email: extra }), 422, 'too_many_ccs');
    const ticket = await reread(id);
    expect(ticket.ccs).toHaveLength(48);
    expect(ticket.ccs.map((p) => p.email)).not.toContain(extra);
  });

  // Re-adding someone who already is a CC adds no one, so it cannot break the limit; below the limit the
  // same call is a harmless no-op, and it should be one at the limit too.
  it('treats re-adding an existing CC on a full ticket as a no-op, not as a 49th CC', async () => {
    const id = await seedTicket({ status: 'open' });
    await seedCcs(id, 47);
    const last = uniqueEmail('cc48');
    expect((await api.post(`/api/tickets/${id}/ccs`, { email: last })).status).toBe(201);
    const res = await api.post(`/api/tickets/${id}/ccs`, { email: last });
    expect(res.status).toBe(201);
    expect((await reread(id)).ccs).toHaveLength(48);
  });

  it('refuses a linked support mailbox with 422 cc_is_support_address, in any letter case', async () => {
    await harness.store.mailboxes.insert('support-cc@contoso.test', 'Support', 'active');
    const id = await seedTicket({ status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/ccs`, { email: 'support-cc@contoso.test' }), 422, 'cc_is_support_address');
    expectError(await api.post(`/api/tickets/${id}/ccs`, { email: 'Support-CC@Contoso.TEST' }), 422, 'cc_is_support_address');
    expect((await reread(id)).ccs).toEqual([]);
  });

  it('refuses a mailbox that is still being linked (pending) as a CC too', async () => {
    await harness.store.mailboxes.insert('pending-cc@contoso.test', null, 'pending');
    const id = await seedTicket({ status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/ccs`, { email: 'pending-cc@contoso.test' }), 422, 'cc_is_support_address');
  });

  it('allows the address of an unlinked mailbox, which no longer receives mail for Relaydesk', async () => {
    const mailbox = await harness.store.mailboxes.insert('former-support@contoso.test', null, 'active');
    await harness.store.mailboxes.setState(mailbox.id, 'unlinked', 'test');
    const id = await seedTicket({ status: 'open' });
    expect((await api.post(`/api/tickets/${id}/ccs`, { email: 'former-support@contoso.test' })).status).toBe(201);
  });

  it("refuses the ticket's requester as a CC with 400 invalid_input", async () => {
    const requester = uniqueEmail();
    const id = await seedTicket({ requester, status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/ccs`, { email: requester }), 400, 'invalid_input');
    expect((await reread(id)).ccs).toEqual([]);
  });

  it.each([
    ['a malformed email', { email: 'bob@' }],
    ['no email', { name: 'Bob' }],
    ['an empty body', {}],
  ])('answers 400 validation_failed for %s', async (_name, body) => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/ccs`, body), 400, 'validation_failed');
    expect((await reread(id)).ccs).toEqual([]);
  });

  it('answers 404 not_found when adding a CC to an unknown ticket', async () => {
    expectError(await api.post('/api/tickets/987654/ccs', { email: uniqueEmail('cc') }), 404, 'not_found');
  });

  it('removes a CC (200) and answers 404 not_found for someone who is not one', async () => {
    const id = await seedTicket({ status: 'open' });
    const [keep, drop] = await seedCcs(id, 2);
    const res = await api.delete(`/api/tickets/${id}/ccs/${drop}`);
    expect(res.status).toBe(200);
    expect((await reread(id)).ccs.map((p) => p.id)).toEqual([keep]);

    expectError(await api.delete(`/api/tickets/${id}/ccs/${drop}`), 404, 'not_found');
    const stranger = await endUser();
    expectError(await api.delete(`/api/tickets/${id}/ccs/${stranger.id}`), 404, 'not_found');
    expect((await reread(id)).ccs.map((p) => p.id)).toEqual([keep]);
  });

  it('does not remove a follower through the CC route', async () => {
    const id = await seedTicket({ status: 'open' });
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: agent.id })).status).toBe(201);
    expectError(await api.delete(`/api/tickets/${id}/ccs/${agent.id}`), 404, 'not_found');
    expect((await reread(id)).followers.map((p) => p.id)).toEqual([agent.id]);
  });

  it('answers 400 validation_failed for a non-numeric user id and 404 not_found for an unknown ticket', async () => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.delete(`/api/tickets/${id}/ccs/abc`), 400, 'validation_failed');
    expectError(await api.delete('/api/tickets/987654/ccs/1'), 404, 'not_found');
  });
});

// ---- followers -----------------------------------------------------------------------------------------

describe('followers', () => {
  it('adds an agent and an admin as followers (201)', async () => {
    const id = await seedTicket({ status: 'open' });
    const res = await api.post(`/api/tickets/${id}/followers`, { userId: agent.id });
    expect(res.status).toBe(201);
    expect((res.body as TicketDetailView).followers.map((p) => p.id)).toEqual([agent.id]);
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: admin.id })).status).toBe(201);
    // Following twice is one follower.
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: agent.id })).status).toBe(201);

    const ticket = await reread(id);
    expect(ticket.followers.map((p) => p.id).sort()).toEqual([agent.id, admin.id].sort());
    expect(ticket.ccs).toEqual([]); // followers are not CCs
  });

  it('refuses an end user with 422 follower_not_agent', async () => {
    const id = await seedTicket({ status: 'open' });
    const user = await endUser();
    expectError(await api.post(`/api/tickets/${id}/followers`, { userId: user.id }), 422, 'follower_not_agent');
    expect((await reread(id)).followers).toEqual([]);
  });

  it('refuses the requester (an end user) as a follower', async () => {
    const requester = uniqueEmail();
    const id = await seedTicket({ requester, status: 'open' });
    const user = await findUser(requester);
    expectError(await api.post(`/api/tickets/${id}/followers`, { userId: user.id }), 422, 'follower_not_agent');
  });

  it('answers 404 not_found for a user that does not exist and for an unknown ticket', async () => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/followers`, { userId: 987654 }), 404, 'not_found');
    expectError(await api.post('/api/tickets/987654/followers', { userId: agent.id }), 404, 'not_found');
  });

  it.each([
    ['a non-numeric user id', { userId: 'agent' }],
    ['no user id', {}],
    ['a negative user id', { userId: -1 }],
  ])('answers 400 validation_failed for %s', async (_name, body) => {
    const id = await seedTicket({ status: 'open' });
    expectError(await api.post(`/api/tickets/${id}/followers`, body), 400, 'validation_failed');
  });

  it('removes a follower (200) and answers 404 not_found the second time', async () => {
    const id = await seedTicket({ status: 'open' });
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: agent.id })).status).toBe(201);
    expect((await api.post(`/api/tickets/${id}/followers`, { userId: admin.id })).status).toBe(201);
    const res = await api.delete(`/api/tickets/${id}/followers/${agent.id}`);
    expect(res.status).toBe(200);
    expect((await reread(id)).followers.map((p) => p.id)).toEqual([admin.id]);
    expectError(await api.delete(`/api/tickets/${id}/followers/${agent.id}`), 404, 'not_found');
  });

  it('does not remove a CC through the follower route', async () => {
    const id = await seedTicket({ status: 'open' });
    const [cc] = await seedCcs(id, 1);
    expectError(await api.delete(`/api/tickets/${id}/followers/${cc}`), 404, 'not_found');
    expect((await reread(id)).ccs.map((p) => p.id)).toEqual([cc]);
  });
});
