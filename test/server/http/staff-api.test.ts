import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SYSTEM_USER_EMAIL } from '../../../server/store/repositories/users';
import type { AgentView } from '../../../server/tickets/staff';
import type { TicketSummaryView } from '../../../server/tickets/ticket-view';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT, END_USER } from '../../support/identity-provider';

/**
 * Who the caller is (GET /api/me), whom tickets can go to (GET /api/agents), and the queue's assignee filter
 * (GET /api/tickets?assignee=me|none|<id>), through the real app, auth middleware and store.
 */

let harness: ApiHarness;
let agentAuth: string;
let adminAuth: string;
let endUserAuth: string;

/** Another agent with a name that sorts first, to prove the order. */
const AARON = { roles: ['Relaydesk.Agent'], preferred_username: 'zz-aaron@contoso.test', name: 'Aaron Early', oid: '00000000-0000-0000-0000-0000000aa001' };

beforeAll(async () => {
  harness = await startApiHarness();
  agentAuth = `Bearer ${await harness.idp.token(AGENT)}`;
  adminAuth = `Bearer ${await harness.idp.token(ADMIN)}`;
  endUserAuth = `Bearer ${await harness.idp.token(END_USER)}`;
});

afterAll(async () => {
  await harness?.close();
});

const get = (url: string, auth?: string) => {
  const test = request(harness.app).get(url);
  return auth ? test.set('Authorization', auth) : test;
};

function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

describe('GET /api/me', () => {
  it("answers the caller's staff row, made on first use, with the role the token carries", async () => {
    expect(await harness.store.users.findByEmail(AGENT.preferred_username)).toBeUndefined();
    const me = await get('/api/me', agentAuth);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: expect.any(Number), email: AGENT.preferred_username, name: AGENT.name, role: 'agent' });
    expect((await harness.store.users.findByEmail(AGENT.preferred_username))?.id).toBe(me.body.id);
    // The same person again: the same row.
    expect((await get('/api/me', agentAuth)).body.id).toBe(me.body.id);

    const admin = await get('/api/me', adminAuth);
    expect(admin.body).toMatchObject({ email: ADMIN.preferred_username, name: ADMIN.name, role: 'admin' });
  });

  it('refuses a missing token (401) and an end user (403), making no row for them', async () => {
    expectError(await get('/api/me'), 401, 'unauthenticated');
    expectError(await get('/api/me', endUserAuth), 403, 'forbidden');
    expect((await harness.store.users.findByEmail(END_USER.preferred_username))?.role ?? 'none').not.toMatch(/agent|admin/);
  });
});

describe('GET /api/agents', () => {
  it('lists every agent and admin by name, never end users or the system user', async () => {
    await get('/api/me', agentAuth);
    await get('/api/me', adminAuth);
    await get('/api/me', `Bearer ${await harness.idp.token(AARON)}`);
    await harness.store.users.ensureSystemUser();
    await harness.store.users.ensureByEmail(`customer-${randomUUID().slice(0, 8)}@example.test`, 'A Customer');

    const res = await get('/api/agents', agentAuth);
    expect(res.status).toBe(200);
    const agents = res.body.agents as AgentView[];
    expect(agents.map((a) => a.email)).toEqual([AARON.preferred_username, ADMIN.preferred_username, AGENT.preferred_username]);
    expect(agents.find((a) => a.email === ADMIN.preferred_username)).toMatchObject({ name: ADMIN.name, role: 'admin' });
    expect(agents.some((a) => a.email === SYSTEM_USER_EMAIL)).toBe(false);
    expect((await get('/api/agents', adminAuth)).body).toEqual(res.body);
  });

  it('refuses a missing token (401) and an end user (403)', async () => {
    expectError(await get('/api/agents'), 401, 'unauthenticated');
    expectError(await get('/api/agents', endUserAuth), 403, 'forbidden');
  });
});

describe('GET /api/tickets?assignee=', () => {
  let mine: number;
  let theirs: number;
  let nobodys: number;
  let subject: string;

  beforeAll(async () => {
    subject = `queue-${randomUUID().slice(0, 8)}`;
    const me = (await get('/api/me', agentAuth)).body as AgentView;
    const admin = (await get('/api/me', adminAuth)).body as AgentView;
    const requester = await harness.store.users.ensureByEmail(`${subject}@example.test`, null);
    const seed = async (assigneeId: number | null) =>
      (await harness.store.tickets.insert({ mailboxId: null, subject, status: 'open', requesterId: requester.id, assigneeId, referenceTag: 'ABCDE' })).id;
    mine = await seed(me.id);
    theirs = await seed(admin.id);
    nobodys = await seed(null);
  });

  const ids = async (assignee: string | undefined, auth = agentAuth) => {
    const res = await get(`/api/tickets?q=${subject}${assignee === undefined ? '' : `&assignee=${assignee}`}`, auth);
    expect(res.status).toBe(200);
    return (res.body.tickets as TicketSummaryView[]).map((t) => t.id);
  };

  it("finds the caller's own tickets with me, whoever the caller is", async () => {
    expect(await ids('me')).toEqual([mine]);
    expect(await ids('me', adminAuth)).toEqual([theirs]);
  });

  it('finds unassigned tickets with none, and one agent\'s with their id', async () => {
    expect(await ids('none')).toEqual([nobodys]);
    const adminId = ((await get('/api/me', adminAuth)).body as AgentView).id;
    expect(await ids(String(adminId))).toEqual([theirs]);
    expect(await ids(undefined)).toEqual([nobodys, theirs, mine]);
  });

  it('returns summaries with their version and last activity', async () => {
    const res = await get(`/api/tickets?assignee=none&q=${subject}`, agentAuth);
    expect(res.body.tickets[0]).toMatchObject({ id: nobodys, version: 1, lastActivityAt: expect.any(String) });
    expect(res.body.tickets[0].lastActivityAt).toBe(res.body.tickets[0].updatedAt);
    expect(res.body.nextCursor).toBeNull();
  });

  it.each(['someone', '-1', '0', 'ME'])('answers 400 validation_failed for assignee=%s', async (assignee) => {
    expectError(await get(`/api/tickets?assignee=${assignee}`, agentAuth), 400, 'validation_failed');
  });
});

describe('GET /api/linked-mailboxes', () => {
  it('lists the mailboxes an agent can answer from, without health or who linked them; unlinked ones are left out', async () => {
    const active = await harness.store.mailboxes.insert('answers@contoso.test', 'Answers', 'active');
    const gone = await harness.store.mailboxes.insert('old-desk@contoso.test', 'Old', 'active');
    await harness.store.mailboxes.setState(gone.id, 'unlinked', null);
    const res = await get('/api/linked-mailboxes', agentAuth);
    expect(res.status).toBe(200);
    const listed = (res.body as { mailboxes: Record<string, unknown>[] }).mailboxes;
    expect(listed.find((m) => m['address'] === 'answers@contoso.test')).toEqual({ id: active.id, address: 'answers@contoso.test', state: 'active', language: 'en-US' });
    expect(listed.map((m) => m['address'])).not.toContain('old-desk@contoso.test');
  });

  it('refuses a missing token (401) and an end user (403)', async () => {
    expectError(await get('/api/linked-mailboxes'), 401, 'unauthenticated');
    expectError(await get('/api/linked-mailboxes', endUserAuth), 403, 'forbidden');
  });
});
