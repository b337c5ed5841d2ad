import { ConfidentialClientApplication, CryptoProvider, type AuthenticationResult } from '@azure/msal-node';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { GraphError } from '@microsoft/microsoft-graph-client';
import { answerConsent, expectAadError, jwtClaims, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Identity conformance: msal-node (the real library Relaydesk uses) runs authorization code + PKCE, refresh
 * with rotation and client credentials against the sandbox; errors carry Entra's AADSTS codes.
 */

let t: TestSandbox;
const REDIRECT = 'https://localhost:3000/auth/callback';
const GRAPH_SCOPES = ['https://graph.microsoft.com/Mail.ReadWrite', 'https://graph.microsoft.com/Mail.Send', 'https://graph.microsoft.com/User.Read'];

beforeAll(async () => {
  t = await startTestSandbox();
  await t.control.createUser({ upn: 'admin@contoso.test', displayName: 'Adele Admin', roles: ['Relaydesk.Admin'], mailbox: true });
  await t.control.createMailbox('support@contoso.test', 'Contoso Support');
});
afterAll(() => t.close());

function msal(secret = t.sandbox.app.clientSecret): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { clientId: t.sandbox.app.clientId, clientSecret: secret, authority: t.sandbox.authority, knownAuthorities: [t.host] },
  });
}

/** The whole interactive sign-in, as Relaydesk's link flow does it: URL, consent, code redemption. */
async function signIn(app: ConfidentialClientApplication, upn: string, scopes = GRAPH_SCOPES): Promise<AuthenticationResult> {
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const nonce = crypto.createNewGuid();
  const url = await app.getAuthCodeUrl({ scopes, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256', state, nonce, prompt: 'select_account', loginHint: upn });
  const consent = await answerConsent(url, upn);
  expect(consent.status).toBe(302);
  expect(consent.params.get('state')).toBe(state);
  const code = consent.params.get('code');
  expect(code).toBeTruthy();
  return app.acquireTokenByCode({ code: code ?? '', scopes, redirectUri: REDIRECT, codeVerifier: verifier, state, nonce }, { code: code ?? '', state });
}

function refreshTokenIn(app: ConfidentialClientApplication): string {
  const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  const entries = Object.values(cache.RefreshToken);
  expect(entries).toHaveLength(1);
  return entries[0]?.secret ?? '';
}

test('authorization code + PKCE yields v2 tokens with the claims Entra puts in them', async () => {
  const app = msal();
  const result = await signIn(app, 'support@contoso.test');
  expect(result.account?.username).toBe('support@contoso.test');
  expect(result.account?.tenantId).toBe(t.sandbox.tenantId);
  // client_info was returned, so the account id looks like Entra's uid.utid.
  expect(result.account?.homeAccountId).toBe(`${result.uniqueId}.${t.sandbox.tenantId}`);
  const claims = jwtClaims(result.accessToken);
  expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', iss: `${t.sandbox.baseUrl}/${t.sandbox.tenantId}/v2.0`, tid: t.sandbox.tenantId, preferred_username: 'support@contoso.test', ver: '2.0' });
  expect(String(claims['scp']).split(' ')).toEqual(expect.arrayContaining(['Mail.ReadWrite', 'Mail.Send', 'User.Read']));
  expect(claims['oid']).toBe(result.uniqueId);
});

test('tokens verify against the published JWKS (signature, issuer, audience)', async () => {
  const app = msal();
  const result = await signIn(app, 'admin@contoso.test', [t.sandbox.app.apiScope]);
  const jwks = createRemoteJWKSet(new URL(`${t.sandbox.authority}discovery/v2.0/keys`));
  const { payload } = await jwtVerify(result.accessToken, jwks, { issuer: `${t.sandbox.baseUrl}/${t.sandbox.tenantId}/v2.0`, audience: t.sandbox.app.apiAudience });
  expect(payload['roles']).toEqual(['Relaydesk.Admin']);
  expect(payload['scp']).toBe('access_as_user');
  expect(payload['tid']).toBe(t.sandbox.tenantId);
  const id = await jwtVerify(result.idToken, jwks, { audience: t.sandbox.app.clientId });
  expect(id.payload['preferred_username']).toBe('admin@contoso.test');
});

test('refresh rotates as Entra does: the new refresh token works, and so does the previous one until revoked', async () => {
  const app = msal();
  const first = await signIn(app, 'support@contoso.test');
  const oldRefresh = refreshTokenIn(app);
  const refreshed = await app.acquireTokenSilent({ account: first.account!, scopes: GRAPH_SCOPES, forceRefresh: true });
  expect(refreshed.accessToken).not.toBe(first.accessToken);
  const newRefresh = refreshTokenIn(app);
  expect(newRefresh).not.toBe(oldRefresh);
  // A client whose refresh answer was lost still holds a working token: Entra does not revoke on rotation.
  expect((await msal().acquireTokenByRefreshToken({ refreshToken: oldRefresh, scopes: GRAPH_SCOPES }))?.accessToken).toBeTruthy();
  expect((await msal().acquireTokenByRefreshToken({ refreshToken: newRefresh, scopes: GRAPH_SCOPES }))?.accessToken).toBeTruthy();
  await t.control.revoke('support@contoso.test');
  await expectAadError(msal().acquireTokenByRefreshToken({ refreshToken: oldRefresh, scopes: GRAPH_SCOPES }), 'invalid_grant', 50173);
  await expectAadError(msal().acquireTokenByRefreshToken({ refreshToken: newRefresh, scopes: GRAPH_SCOPES }), 'invalid_grant', 50173);
});

test('a revoked grant: refresh gets invalid_grant AADSTS50173 and Graph refuses the old access token', async () => {
  const app = msal();
  const first = await signIn(app, 'support@contoso.test');
  const graph = t.graph(first.accessToken, { retries: false });
  await expect(graph.api('/me/mailFolders/inbox').get()).resolves.toMatchObject({ displayName: 'Inbox' });
  const { revokedRefreshTokens } = await t.control.revoke('support@contoso.test');
  expect(revokedRefreshTokens).toBeGreaterThanOrEqual(1);
  await expectAadError(app.acquireTokenSilent({ account: first.account!, scopes: GRAPH_SCOPES, forceRefresh: true }), 'invalid_grant', 50173);
  const err = (await graph.api('/me/mailFolders/inbox').get().catch((e: unknown) => e)) as GraphError;
  expect(err.statusCode).toBe(401);
  expect(err.code).toBe('InvalidAuthenticationToken');
});

test('Cancel on the consent page redirects back with access_denied and AADSTS65004', async () => {
  const app = msal();
  const url = await app.getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, state: 'st-1', responseMode: 'fragment' as never });
  const answer = await answerConsent(url, 'support@contoso.test', 'cancel');
  expect(answer.status).toBe(302);
  expect(answer.location).toContain('#');
  expect(answer.params.get('error')).toBe('access_denied');
  expect(answer.params.get('error_description')).toMatch(/^AADSTS65004:/);
  expect(answer.params.get('state')).toBe('st-1');
});

test('a wrong PKCE verifier and a reused code are refused with their AADSTS codes', async () => {
  const app = msal();
  const cp = new CryptoProvider();
  const { challenge } = await cp.generatePkceCodes();
  const other = await cp.generatePkceCodes();
  const url = await app.getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256' });
  const code = (await answerConsent(url, 'support@contoso.test')).params.get('code') ?? '';
  await expectAadError(app.acquireTokenByCode({ code, scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeVerifier: other.verifier }), 'invalid_grant', 501481);
  // The code was spent by the failed attempt, as Entra does: a retry is "already redeemed".
  await expectAadError(app.acquireTokenByCode({ code, scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeVerifier: other.verifier }), 'invalid_grant', 54005);
});

test('client credentials need /.default and a valid secret; the token carries application roles', async () => {
  const result = await msal().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  const claims = jwtClaims(result?.accessToken ?? '');
  expect(claims['roles']).toEqual(expect.arrayContaining(['Mail.ReadWrite', 'Mail.Send']));
  expect(claims['scp']).toBeUndefined();
  expect(claims['idtyp']).toBe('app');
  await expectAadError(msal().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/Mail.Read'] }), 'invalid_scope', 1002012);
  await expectAadError(msal('wrong-secret').acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }), 'invalid_client', 7000215);
});

test('an unregistered redirect URI is refused on the page (no redirect), with AADSTS50011', async () => {
  const url = await msal().getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: 'https://evil.example/callback' });
  const answer = await answerConsent(url, 'support@contoso.test');
  expect(answer.status).toBe(400);
  expect(answer.location).toBe('');
  const page = await fetch(url, { redirect: 'manual' });
  expect(await page.text()).toContain('AADSTS50011:');
});

describe('browser-facing parts of the authorize and token endpoints', () => {
  test('the consent page lists sandbox users, the requested scopes, and Accept / Cancel', async () => {
    const url = await msal().getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, loginHint: 'support@contoso.test' });
    const res = await fetch(url);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('<option value="support@contoso.test" selected>');
    expect(html).toContain('Mail.ReadWrite');
    expect(html).toMatch(/name="sandbox_consent" value="accept"/);
    expect(html).toMatch(/name="sandbox_consent" value="cancel"/);
  });

  test("the page's form post (Accept) redirects with a code and opens a session that prompt=none reuses", async () => {
    const url = new URL(await msal().getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, state: 'form-1', responseMode: 'fragment' as never }));
    const form = new URLSearchParams(url.searchParams);
    form.set('sandbox_user', 'support@contoso.test');
    form.set('sandbox_consent', 'accept');
    const posted = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
    expect(posted.status).toBe(302);
    const location = new URL(posted.headers.get('location') ?? '');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('code')).toBeTruthy();
    expect(fragment.get('state')).toBe('form-1');
    expect(fragment.get('client_info')).toBeTruthy();
    const cookie = (posted.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^sandbox_session=/);

    const silent = new URL(await msal().getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, prompt: 'none', state: 'silent-1' }));
    const withSession = await fetch(silent, { redirect: 'manual', headers: { Cookie: cookie } });
    expect(new URL(withSession.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    const withoutSession = await fetch(silent, { redirect: 'manual' });
    const failed = new URL(withoutSession.headers.get('location') ?? '').searchParams;
    expect(failed.get('error')).toBe('login_required');
    expect(failed.get('error_description')).toMatch(/^AADSTS50058:/);
  });

  test('the token endpoint answers a CORS preflight for the task pane origin', async () => {
    const res = await fetch(`${t.sandbox.authority}oauth2/v2.0/token`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://localhost:3000', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('access tokens expired early (POST /sandbox/tokens/expire)', () => {
  test('Graph refuses every access token issued to the user so far; a refresh gets one that works; other users are untouched', async () => {
    const app = msal();
    const support = await signIn(app, 'support@contoso.test');
    const admin = await signIn(msal(), 'admin@contoso.test');
    await expect(t.graph(support.accessToken, { retries: false }).api('/me/mailFolders/inbox').get()).resolves.toMatchObject({ displayName: 'Inbox' });

    const expired = await t.control.call<{ upn: string; expiredAt: string }>('POST', '/tokens/expire', { upn: 'support@contoso.test' });
    expect(expired).toMatchObject({ status: 200, body: { upn: 'support@contoso.test' } });
    const err = (await t.graph(support.accessToken, { retries: false }).api('/me/mailFolders/inbox').get().catch((e: unknown) => e)) as GraphError;
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe('InvalidAuthenticationToken');
    // MSAL still thinks its cached token good; only a forced refresh replaces it, and the grant is intact.
    const refreshed = await app.acquireTokenSilent({ account: support.account!, scopes: GRAPH_SCOPES, forceRefresh: true });
    await expect(t.graph(refreshed.accessToken, { retries: false }).api('/me/mailFolders/inbox').get()).resolves.toMatchObject({ displayName: 'Inbox' });
    await expect(t.graph(admin.accessToken, { retries: false }).api('/me/mailFolders/inbox').get()).resolves.toMatchObject({ displayName: 'Inbox' });
  });

  test('an unknown user is 404 UserNotFound', async () => {
    expect(await t.control.call('POST', '/tokens/expire', { upn: 'nobody@contoso.test' })).toMatchObject({ status: 404, body: { error: { code: 'UserNotFound' } } });
  });
});

describe('identity faults (PUT /sandbox/faults with a pathPattern naming the token endpoint)', () => {
  const TOKEN_PATH = 'oauth2/v2.0/token';
  afterEach(() => t.control.call('PUT', '/faults', {}));

  /** A refresh as MSAL posts it, read raw, so status, headers and body are Entra's own. */
  function refresh(refreshToken: string): Promise<Response> {
    const form = new URLSearchParams({ client_id: t.sandbox.app.clientId, client_secret: t.sandbox.app.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken, scope: GRAPH_SCOPES.join(' ') });
    return fetch(`${t.sandbox.authority}${TOKEN_PATH}`, { method: 'POST', body: form });
  }

  async function refreshTokenOf(upn: string): Promise<string> {
    const app = msal();
    await signIn(app, upn);
    return refreshTokenIn(app);
  }

  test('503: temporarily_unavailable AADSTS90033 with Retry-After; the grant survives the outage', async () => {
    const rt = await refreshTokenOf('support@contoso.test');
    await t.control.call('PUT', '/faults', { pathPattern: TOKEN_PATH, rate503: 1, retryAfterSeconds: 2 });
    const res = await refresh(rt);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] });
    await t.control.call('PUT', '/faults', {});
    expect((await refresh(rt)).status).toBe(200);
  });

  test('temporarily_unavailable: 400 with AADSTS50033, which msal-node reports as a ServerError of that code', async () => {
    const rt = await refreshTokenOf('support@contoso.test');
    await t.control.call('PUT', '/faults', { pathPattern: TOKEN_PATH, temporarilyUnavailableRate: 1 });
    const res = await refresh(rt);
    expect(res.status).toBe(400);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [50033] });
    await expectAadError(msal().acquireTokenByRefreshToken({ refreshToken: rt, scopes: GRAPH_SCOPES }), 'temporarily_unavailable', 50033);
  });

  test('429 with Retry-After (AADSTS90055)', async () => {
    const rt = await refreshTokenOf('support@contoso.test');
    await t.control.call('PUT', '/faults', { pathPattern: TOKEN_PATH, rate429: 1, retryAfterSeconds: 3 });
    const res = await refresh(rt);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90055] });
  });

  test('a reset: the refresh takes effect but its answer never arrives, and the token used still works', async () => {
    const rt = await refreshTokenOf('support@contoso.test');
    await t.control.call('PUT', '/faults', { pathPattern: TOKEN_PATH, resetRate: 1 });
    await expect(refresh(rt)).rejects.toThrow();
    await t.control.call('PUT', '/faults', {});
    expect((await refresh(rt)).status).toBe(200);
  });

  test('faults without a pathPattern naming identity reach Graph, never the token endpoint', async () => {
    const rt = await refreshTokenOf('support@contoso.test');
    const token = (await msal().acquireTokenByRefreshToken({ refreshToken: rt, scopes: GRAPH_SCOPES }))?.accessToken ?? '';
    await t.control.call('PUT', '/faults', { rate503: 1 });
    expect((await refresh(rt)).status).toBe(200);
    const err = (await t.graph(token, { retries: false }).api('/me/mailFolders/inbox').get().catch((e: unknown) => e)) as GraphError;
    expect(err.statusCode).toBe(503);
  });

  test('with mailbox, only token requests presenting that mailbox user\'s grant are faulted', async () => {
    const support = await refreshTokenOf('support@contoso.test');
    const admin = await refreshTokenOf('admin@contoso.test');
    await t.control.call('PUT', '/faults', { pathPattern: TOKEN_PATH, rate503: 1, mailbox: 'support@contoso.test' });
    expect((await refresh(support)).status).toBe(503);
    expect((await refresh(admin)).status).toBe(200);
  });
});

describe('single-use refresh tokens (a switch stricter than Entra)', () => {
  let strict: TestSandbox;
  beforeAll(async () => {
    strict = await startTestSandbox({ singleUseRefreshTokens: true });
    await strict.control.createMailbox('strict@contoso.test');
  });
  afterAll(() => strict.close());

  test('a redeemed refresh token is refused with invalid_grant AADSTS70000; its successor works', async () => {
    const app = new ConfidentialClientApplication({ auth: { clientId: strict.sandbox.app.clientId, clientSecret: strict.sandbox.app.clientSecret, authority: strict.sandbox.authority, knownAuthorities: [strict.host] } });
    const crypto = new CryptoProvider();
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const url = await app.getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256' });
    const code = (await answerConsent(url, 'strict@contoso.test')).params.get('code') ?? '';
    const first = await app.acquireTokenByCode({ code, scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeVerifier: verifier });
    const oldRefresh = refreshTokenIn(app);
    await app.acquireTokenSilent({ account: first.account!, scopes: GRAPH_SCOPES, forceRefresh: true });
    const newRefresh = refreshTokenIn(app);
    const fresh = () => new ConfidentialClientApplication({ auth: { clientId: strict.sandbox.app.clientId, clientSecret: strict.sandbox.app.clientSecret, authority: strict.sandbox.authority, knownAuthorities: [strict.host] } });
    await expectAadError(fresh().acquireTokenByRefreshToken({ refreshToken: oldRefresh, scopes: GRAPH_SCOPES }), 'invalid_grant', 70000);
    expect((await fresh().acquireTokenByRefreshToken({ refreshToken: newRefresh, scopes: GRAPH_SCOPES }))?.accessToken).toBeTruthy();
  });
});
