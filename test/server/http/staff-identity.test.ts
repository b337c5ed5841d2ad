import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, type TokenClaims } from '../../support/identity-provider';

/**
 * Staff rows are keyed by the token's tenant and object id: never re-keyed by an email address, and their
 * role follows the caller's latest token, so a person whose app role was removed stops getting staff mail.
 */

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.close();
});

const withBearer = async (claims: TokenClaims) => request(harness.app).get('/api/tickets').set('Authorization', `Bearer ${await harness.idp.token(claims)}`);

describe('staff identity', () => {
  const uid = () => randomUUID();
  const agentClaims = (oid: string, email: string, roles = ['Relaydesk.Agent']) => ({ roles, preferred_username: email, name: 'Sam Staff', oid });
  const post = async (claims: TokenClaims, url: string, body: object) =>
    request(harness.app).post(url).set('Authorization', `Bearer ${await harness.idp.token(claims)}`).send(body);
  const newTicket = (extra: object = {}) => ({ requester: { email: `req-${uid()}@example.test` }, subject: 'Printer', body: 'Smoking.', ...extra });

  // An address can pass to someone else (a reused UPN), and email claims prove nothing: the staff row, its
  // history and its follower mail stay with the tid:oid that made it.
  it('never merges a second identity into a staff row by email address (409 staff_identity_conflict)', async () => {
    const email = `sam-${uid()}@contoso.test`;
    const first = agentClaims(uid(), email);
    expect((await post(first, '/api/tickets', newTicket())).status).toBe(201);
    const second = agentClaims(uid(), email, ['Relaydesk.Admin']);
    const res = await post(second, '/api/tickets', newTicket());
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('staff_identity_conflict');
    expect(await harness.store.users.findByEmail(email)).toMatchObject({ external_id: `${harness.idp.tenantId}:${first.oid}`, role: 'agent' });
  });

  it('promotes a row first made from mail (no identity yet) when its owner signs in as staff', async () => {
    const email = `pat-${uid()}@contoso.test`;
    const mailOnly = await harness.store.users.ensureByEmail(email, 'Pat');
    const claims = agentClaims(uid(), email);
    expect((await post(claims, '/api/tickets', newTicket())).status).toBe(201);
    expect(await harness.store.users.findByEmail(email)).toMatchObject({ id: mailOnly.id, role: 'agent', external_id: `${harness.idp.tenantId}:${claims.oid}` });
  });

  it('stops emailing internal notes to a follower whose agent role was removed, from their next call on', async () => {
    const mailbox = await harness.store.mailboxes.insert(`support-${uid()}@contoso.test`, 'Support', 'active');
    const followerClaims = agentClaims(uid(), `lynne-${uid()}@contoso.test`);
    const created = await post(ADMIN, '/api/tickets', newTicket({ mailbox: mailbox.address }));
    expect(created.status).toBe(201);
    const ticketId = created.body.id as number;
    // The follower's row is made by their own first write.
    expect((await post(followerClaims, '/api/tickets', newTicket())).status).toBe(201);
    const follower = (await harness.store.users.findByEmail(followerClaims.preferred_username))!;
    expect((await post(ADMIN, `/api/tickets/${ticketId}/followers`, { userId: follower.id })).status).toBe(201);
    const note = async () => {
      expect((await post(ADMIN, `/api/tickets/${ticketId}/comments`, { body: 'internal', visibility: 'internal' })).status).toBe(201);
      const notes = (await harness.store.outbox.listForTicket(ticketId)).filter((row) => row.kind === 'internal_note');
      return notes.at(-1)?.recipients.to ?? [];
    };
    expect(await note()).toContain(followerClaims.preferred_username);

    // Their Entra app role is removed: the next token has no roles, and the API sees it.
    const demoted = await withBearer({ ...followerClaims, roles: [] });
    expect(demoted.status).toBe(403);
    expect((await harness.store.users.findById(follower.id))?.role).toBe('end_user');
    const before = (await harness.store.outbox.listForTicket(ticketId)).length;
    expect((await post(ADMIN, `/api/tickets/${ticketId}/comments`, { body: 'internal 2', visibility: 'internal' })).status).toBe(201);
    expect((await harness.store.outbox.listForTicket(ticketId)).length).toBe(before);
  });
});
