import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import request from 'supertest';
import { createGraphClient } from '../../server/graph/client';
import { probeInbox } from '../../server/graph/mailbox-probe';
import { MailboxAuthError } from '../../server/identity/mailbox-tokens';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// Mailbox linking end to end: the real app and msal-node against the Exchange Online sandbox.
let rd: RelaydeskWithSandbox;
let admin: string;
let agent: string;

const ADMIN = 'linkadmin@contoso.test';
const AGENT = 'linkagent@contoso.test';

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  await rd.control('POST', '/sandbox/users', { upn: ADMIN, displayName: 'Link Admin', roles: ['Relaydesk.Admin'] });
  await rd.control('POST', '/sandbox/users', { upn: AGENT, displayName: 'Link Agent', roles: ['Relaydesk.Agent'] });
  for (const address of ['support@contoso.test', 'billing@contoso.test', 'sales@contoso.test', 'someone.else@contoso.test', 'expiry@contoso.test']) {
    await rd.control('POST', '/sandbox/mailboxes', { address });
  }
  // A directory user whose mailbox Graph cannot serve, as with on-premises Exchange.
  await rd.control('POST', '/sandbox/users', { upn: 'onprem@contoso.test', displayName: 'On Premises' });
  admin = `Bearer ${await rd.apiToken(ADMIN)}`;
  agent = `Bearer ${await rd.apiToken(AGENT)}`;
});
afterAll(() => rd?.close());

async function startLink(address: string) {
  const res = await request(rd.app).post('/api/mailboxes').set('Authorization', admin).send({ address });
  expect(res.status).toBe(201);
  return res.body as { id: number; address: string; state: string; authorizeUrl: string };
}

async function callback(query: Record<string, string>) {
  return request(rd.app).get('/oauth/callback').query(query);
}

/** The result the page reports to the task pane. */
function resultOf(html: string): { ok: boolean; code: string } {
  const json = /<script type="application\/json" id="relaydesk-result">([^<]*)<\/script>/.exec(html)?.[1];
  if (!json) throw new Error('no result in the page');
  return JSON.parse(json) as { ok: boolean; code: string };
}

async function link(address: string, upn = address) {
  const started = await startLink(address);
  const res = await callback(await rd.consent(started.authorizeUrl, upn, 'accept'));
  return { started, res, result: resultOf(res.text) };
}

async function stateOf(id: number) {
  return (await rd.store.mailboxes.findById(id))?.state;
}

describe('linking a mailbox', () => {
  it('asks Microsoft for the right consent', async () => {
    const { authorizeUrl } = await startLink('sales@contoso.test');
    const url = new URL(authorizeUrl);
    expect(url.origin).toBe(rd.sandbox.baseUrl);
    expect(url.searchParams.get('prompt')).toBe('select_account');
    expect(url.searchParams.get('login_hint')).toBe('sales@contoso.test');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['offline_access', 'Mail.ReadWrite', 'Mail.Send', 'User.Read']));
    expect(url.searchParams.get('redirect_uri')).toBe(rd.redirectUri);
  });

  it('links the mailbox that consented, which is then active and readable through Graph', async () => {
    const { started, res, result } = await link('support@contoso.test');
    expect(res.status).toBe(200);
    expect(result).toMatchObject({ ok: true, code: 'linked' });
    expect(await stateOf(started.id)).toBe('active');

    const graph = createGraphClient(rd.microsoft.graph, () => rd.tokens.accessToken(started.id));
    await expect(probeInbox(graph, 'support@contoso.test')).resolves.toMatchObject({ inboxId: expect.any(String) });

    const list = await request(rd.app).get('/api/mailboxes').set('Authorization', admin);
    expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: started.id, address: 'support@contoso.test', state: 'active', health: expect.any(Object) })]));
    const audit = await rd.store.audit.list({ targetType: 'mailbox', targetId: started.id, limit: 10 });
    expect(audit.map((a) => a.action)).toEqual(['mailbox.linked', 'mailbox.link_started']);
    expect(audit[0]?.actor).toContain(ADMIN);
  });

  it('refuses to link an address twice', async () => {
    const res = await request(rd.app).post('/api/mailboxes').set('Authorization', admin).send({ address: 'SUPPORT@contoso.test' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_linked');
  });

  it('refuses a consent given by another account, names both, and links nothing', async () => {
    const started = await startLink('billing@contoso.test');
    const res = await callback(await rd.consent(started.authorizeUrl, 'someone.else@contoso.test', 'accept'));
    expect(res.status).toBe(400);
    expect(resultOf(res.text).code).toBe('wrong_account');
    expect(res.text).toContain('someone.else@contoso.test');
    expect(res.text).toContain('billing@contoso.test');
    const row = await rd.store.mailboxes.findById(started.id);
    expect(row).toMatchObject({ state: 'pending', token_cache: null, home_account_id: null });
  });

  it('links a mailbox whose owner signs in with a UPN that is not its address: the object ids match', async () => {
    const created = await rd.control<{ id: string; upn: string }>('POST', '/sandbox/mailboxes', { address: 'helpdesk@contoso.test', upn: 'h.owner@contoso.test' });
    expect(created.status).toBe(201);
    const { started, result } = await link('helpdesk@contoso.test', 'h.owner@contoso.test');
    expect(result).toMatchObject({ ok: true, code: 'linked' });
    // Linked as the owner, not "through someone who may open it".
    expect(await rd.store.mailboxes.findById(started.id)).toMatchObject({ state: 'active', state_reason: null });
    const [linked] = await rd.store.audit.list({ targetType: 'mailbox', targetId: started.id, limit: 1 });
    expect(linked?.action).toBe('mailbox.linked');
    expect(JSON.parse(linked!.details)).toMatchObject({ address: 'helpdesk@contoso.test', signedInAs: 'h.owner@contoso.test' });
    // The UPN's token serves the mailbox by its address.
    const graph = createGraphClient(rd.microsoft.graph, () => rd.tokens.accessToken(started.id));
    await expect(probeInbox(graph, 'helpdesk@contoso.test')).resolves.toMatchObject({ inboxId: expect.any(String) });
  });

  it('refuses another account for a mailbox whose owner signs in with another name, and links nothing', async () => {
    await rd.control('POST', '/sandbox/mailboxes', { address: 'orders-desk@contoso.test', upn: 'o.owner@contoso.test' });
    const started = await startLink('orders-desk@contoso.test');
    const res = await callback(await rd.consent(started.authorizeUrl, 'someone.else@contoso.test', 'accept'));
    expect(res.status).toBe(400);
    expect(resultOf(res.text).code).toBe('wrong_account');
    expect(await rd.store.mailboxes.findById(started.id)).toMatchObject({ state: 'pending', token_cache: null, home_account_id: null });
  });

  it('refuses a replayed state', async () => {
    const started = await startLink('billing@contoso.test');
    const query = await rd.consent(started.authorizeUrl, 'billing@contoso.test', 'accept');
    expect(resultOf((await callback(query)).text).code).toBe('linked');
    const replay = await callback(query);
    expect(replay.status).toBe(400);
    expect(resultOf(replay.text).code).toBe('link_state_used');
  });

  it('refuses an expired state and links nothing', async () => {
    const expiring = rd.linking({ linkTtlMs: 1 });
    const { mailbox, authorizeUrl } = await expiring.start('expiry@contoso.test', ADMIN);
    const query = await rd.consent(authorizeUrl, 'expiry@contoso.test', 'accept');
    const res = await callback(query);
    expect(resultOf(res.text).code).toBe('link_state_expired');
    expect(await stateOf(mailbox.id)).toBe('pending');
  });

  it('refuses a state it never issued', async () => {
    const res = await callback({ code: 'x', state: 'never-issued' });
    expect(resultOf(res.text).code).toBe('link_state_unknown');
  });

  it('reports a Cancel on the consent page and links nothing', async () => {
    const started = await startLink('sales@contoso.test');
    const query = await rd.consent(started.authorizeUrl, 'sales@contoso.test', 'cancel');
    expect(query.error).toBe('access_denied');
    const res = await callback(query);
    expect(resultOf(res.text).code).toBe('consent_cancelled');
    expect(await stateOf(started.id)).toBe('pending');
  });

  it('fails clearly for a mailbox Graph cannot serve', async () => {
    const { started, result } = await link('onprem@contoso.test');
    expect(result.code).toBe('mailbox_unavailable');
    expect(await stateOf(started.id)).toBe('pending');
  });
});

describe('grants and lifecycle', () => {
  it('moves a mailbox whose grant was revoked to needs_reauth, leaves the others alone, and re-authorizes it', async () => {
    const support = (await rd.store.mailboxes.findByAddress('support@contoso.test'))!;
    const billing = (await rd.store.mailboxes.findByAddress('billing@contoso.test'))!;
    expect(await rd.control('POST', '/sandbox/grants/revoke', { upn: 'support@contoso.test' })).toMatchObject({ status: 200 });

    const error = await rd.tokens.accessToken(support.id, { forceRefresh: true }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxAuthError);
    expect((error as MailboxAuthError).code).toBe('needs_reauth');
    expect(await stateOf(support.id)).toBe('needs_reauth');
    await expect(rd.tokens.accessToken(billing.id, { forceRefresh: true })).resolves.toEqual(expect.any(String));
    expect(await stateOf(billing.id)).toBe('active');

    const reauth = await request(rd.app).post(`/api/mailboxes/${support.id}/reauthorize`).set('Authorization', admin);
    expect(reauth.status).toBe(200);
    const res = await callback(await rd.consent(reauth.body.authorizeUrl, 'support@contoso.test', 'accept'));
    expect(resultOf(res.text).code).toBe('reauthorized');
    expect(await stateOf(support.id)).toBe('active');
    await expect(rd.tokens.accessToken(support.id, { forceRefresh: true })).resolves.toEqual(expect.any(String));
  });

  it('persists a rotated refresh token at once', async () => {
    const billing = (await rd.store.mailboxes.findByAddress('billing@contoso.test'))!;
    const before = (await rd.store.mailboxes.findById(billing.id))!.token_cache;
    await rd.tokens.accessToken(billing.id, { forceRefresh: true });
    const after = (await rd.store.mailboxes.findById(billing.id))!.token_cache;
    expect(after).not.toBe(before);
    const refreshTokens = (cache: string) => Object.values((JSON.parse(rd.vault.decrypt(cache, { mailboxId: billing.id, field: 'token_cache' })) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken).map((t) => t.secret);
    expect(refreshTokens(after!)).not.toEqual(refreshTokens(before!));
    // The stored new one keeps the mailbox alive (Entra leaves the old one valid until it expires, so only the
    // comparison above proves the new one was stored).
    await expect(rd.tokens.accessToken(billing.id, { forceRefresh: true })).resolves.toEqual(expect.any(String));
  });

  it('pauses, resumes and unlinks, keeping an audit trail, and unlinking deletes the tokens', async () => {
    const billing = (await rd.store.mailboxes.findByAddress('billing@contoso.test'))!;
    const call = (verb: string) => request(rd.app).post(`/api/mailboxes/${billing.id}/${verb}`).set('Authorization', admin);
    expect((await call('pause')).body.state).toBe('paused');
    expect((await call('pause')).body.error.code).toBe('invalid_mailbox_state');
    expect((await call('resume')).body.state).toBe('active');
    const unlinked = await request(rd.app).delete(`/api/mailboxes/${billing.id}`).set('Authorization', admin);
    expect(unlinked.body.state).toBe('unlinked');
    expect(await rd.store.mailboxes.findById(billing.id)).toMatchObject({ token_cache: null, home_account_id: null });
    await expect(rd.tokens.accessToken(billing.id)).rejects.toMatchObject({ code: 'mailbox_not_linked' });
    const list = await request(rd.app).get('/api/mailboxes').set('Authorization', admin);
    expect(list.body.map((m: { address: string }) => m.address)).not.toContain('billing@contoso.test');
    const actions = (await rd.store.audit.list({ targetType: 'mailbox', targetId: billing.id, limit: 20 })).map((a) => a.action);
    expect(actions.slice(0, 3)).toEqual(['mailbox.unlinked', 'mailbox.resumed', 'mailbox.paused']);
  });

  it('keeps no plaintext access or refresh token anywhere in the database', async () => {
    const support = (await rd.store.mailboxes.findByAddress('support@contoso.test'))!;
    const accessToken = await rd.tokens.accessToken(support.id);
    const cache = JSON.parse(rd.vault.decrypt((await rd.store.mailboxes.findById(support.id))!.token_cache!, { mailboxId: support.id, field: 'token_cache' })) as { RefreshToken: Record<string, { secret: string }> };
    const refreshToken = Object.values(cache.RefreshToken)[0]!.secret;
    const dump = await databaseDump(rd);
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).toContain('support@contoso.test');
    expect(dump).not.toContain(refreshToken);
    expect(dump).not.toContain(accessToken.split('.')[2]);
  });
});

describe('access control and settings', () => {
  it.each([
    ['get', '/api/mailboxes'],
    ['post', '/api/mailboxes'],
    ['post', '/api/mailboxes/1/reauthorize'],
    ['post', '/api/mailboxes/1/pause'],
    ['post', '/api/mailboxes/1/resume'],
    ['delete', '/api/mailboxes/1'],
  ] as const)('gives agents 403 on %s %s', async (method, url) => {
    const res = await request(rd.app)[method](url).set('Authorization', agent).send({ address: 'x@contoso.test' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('publishes the task pane sign-in settings without a token', async () => {
    const res = await request(rd.app).get('/api/auth/config');
    expect(res.body).toEqual({ authority: rd.sandbox.authority, clientId: rd.sandbox.app.clientId, apiScope: rd.sandbox.app.apiScope, audience: rd.sandbox.app.apiAudience, mailboxLinkMode: 'delegated' });
  });

  it('refuses to link while CCs or followers are turned off, and explains', async () => {
    expect((await request(rd.app).patch('/api/settings').set('Authorization', agent).send({ ccsEnabled: false })).status).toBe(403);
    expect((await request(rd.app).patch('/api/settings').set('Authorization', admin).send({ ccsEnabled: false })).body).toEqual({ ccsEnabled: false, followersEnabled: true });
    const refused = await request(rd.app).post('/api/mailboxes').set('Authorization', admin).send({ address: 'sales@contoso.test' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('settings_block_linking');
    await request(rd.app).patch('/api/settings').set('Authorization', admin).send({ ccsEnabled: true });
    expect((await request(rd.app).post('/api/mailboxes').set('Authorization', admin).send({ address: 'sales@contoso.test' })).status).toBe(201);
  });
});

/** What a backup would hold: the SQLite file and its WAL, or pg_dump of the test schema. */
async function databaseDump(harness: RelaydeskWithSandbox): Promise<string> {
  const target = harness.target;
  if (target.kind === 'sqlite') {
    return [target.file, `${target.file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
  }
  const { stdout } = await promisify(execFile)('pg_dump', ['--schema', target.schema ?? 'public', '--data-only', target.url], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
