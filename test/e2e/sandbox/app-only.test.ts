import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import type { Client } from '@microsoft/microsoft-graph-client';
import { generateClientCertificate } from '../../../server/sandbox/identity/client-certificates';
import { answerConsent, expectAadError, graphError, jwtClaims, startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Application (app-only) access as Relaydesk's application link mode uses it: msal-node's client credentials
 * with the sandbox app's certificate (or its secret), the Graph SDK with the app's token, shared mailboxes nobody
 * signs in as, and Exchange's per-app mailbox scope (RBAC for Applications / ApplicationAccessPolicy).
 */

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];
const SHARED = 'support@contoso.test';
const SHARED_2 = 'billing@contoso.test';
const ADMIN = 'admin@contoso.test';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
  await t.control.createUser({ upn: ADMIN, roles: ['Relaydesk.Admin'], mailbox: true });
  for (const address of [SHARED, SHARED_2]) expect((await t.control.call('POST', '/mailboxes', { address, shared: true })).status).toBe(201);
});
afterAll(() => t.close());

/** msal-node's certificate credential from a PEM holding key and certificate, as Relaydesk's server reads one. */
function certificateCredential(pem: string): { thumbprintSha256: string; privateKey: string; x5c: string } {
  const privateKey = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0] ?? '';
  const x5c = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? '';
  return { thumbprintSha256: crypto.createHash('sha256').update(new crypto.X509Certificate(x5c).raw).digest('hex'), privateKey, x5c };
}

type Credential = { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c: string } | { thumbprint: string; privateKey: string } } | { clientSecret: string } | { clientAssertion: string };

function msal(credential: Credential = { clientCertificate: certificateCredential(t.sandbox.app.clientCertificatePem) }, tenant = t.sandbox.tenantId): ConfidentialClientApplication {
  return new ConfidentialClientApplication({ auth: { clientId: t.sandbox.app.clientId, authority: `${t.sandbox.baseUrl}/${tenant}/`, knownAuthorities: [t.host], ...credential } });
}

async function appToken(app: ConfidentialClientApplication = msal()): Promise<string> {
  const result = await app.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT, skipCache: true });
  return result?.accessToken ?? '';
}

/** A token request sent by hand: for what msal-node refuses to send (/organizations, two credentials). */
async function rawTokenRequest(tenant: string, form: Record<string, string>): Promise<{ status: number; body: { error?: string; error_codes?: number[] } }> {
  const res = await fetch(`${t.sandbox.baseUrl}/${tenant}/oauth2/v2.0/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as { error?: string; error_codes?: number[] } };
}

/** A client assertion built by hand (PS256, x5t#S256), to send what msal-node never would. */
function assertion(options: { signWith: string; namedCertificate: string; claims?: Record<string, unknown> }): string {
  const now = Math.floor(Date.now() / 1000);
  const x5tS256 = crypto.createHash('sha256').update(new crypto.X509Certificate(options.namedCertificate).raw).digest('base64url');
  const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': x5tS256 };
  const payload = { aud: `${t.sandbox.baseUrl}/${t.sandbox.tenantId}/oauth2/v2.0/token`, iss: t.sandbox.app.clientId, sub: t.sandbox.app.clientId, jti: crypto.randomUUID(), nbf: now, exp: now + 600, ...options.claims };
  const data = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = crypto.sign('sha256', Buffer.from(data), { key: crypto.createPrivateKey(options.signWith), padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST });
  return `${data}.${signature.toString('base64url')}`;
}

const ownKey = (): string => certificateCredential(t.sandbox.app.clientCertificatePem).privateKey;
const ownCertificate = (): string => certificateCredential(t.sandbox.app.clientCertificatePem).x5c;

describe('client credentials', () => {
  test('the sandbox certificate (PS256, x5t#S256) gets an app token: roles, no scp, idtyp app, the tenant asked for', async () => {
    const claims = jwtClaims(await appToken());
    expect(claims['roles']).toEqual(expect.arrayContaining(['Mail.ReadWrite', 'Mail.Send']));
    expect(claims['scp']).toBeUndefined();
    expect(claims).toMatchObject({ idtyp: 'app', tid: t.sandbox.tenantId, azp: t.sandbox.app.clientId, azpacr: '2' });
    // A verified domain names the same tenant; msal-node then signs for the GUID token endpoint the metadata gives.
    expect(jwtClaims(await appToken(msal(undefined, 'contoso.test')))['tid']).toBe(t.sandbox.tenantId);
  });

  test('a SHA-1 thumbprint (RS256, x5t) and the secret work too', async () => {
    const { privateKey, x5c } = certificateCredential(t.sandbox.app.clientCertificatePem);
    const sha1 = crypto.createHash('sha1').update(new crypto.X509Certificate(x5c).raw).digest('hex');
    expect(jwtClaims(await appToken(msal({ clientCertificate: { thumbprint: sha1, privateKey } })))['azpacr']).toBe('2');
    expect(jwtClaims(await appToken(msal({ clientSecret: t.sandbox.app.clientSecret })))['azpacr']).toBe('1');
  });

  test('the token is issued in the tenant of the authority; that tenant has no access to another tenant mailbox', async () => {
    const other = crypto.randomUUID();
    await t.control.createUser({ upn: 'someone@fabrikam.test', tenantId: other, mailbox: true });
    const token = await appToken(msal(undefined, other));
    expect(jwtClaims(token)['tid']).toBe(other);
    const err = await graphError(t.graph(token, { retries: false }).api(`/users/${SHARED}/messages`).get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ErrorInvalidUser');
  });

  test('/organizations and /common are refused for client credentials (AADSTS50059)', async () => {
    for (const tenant of ['organizations', 'common']) {
      const r = await rawTokenRequest(tenant, { client_id: t.sandbox.app.clientId, client_secret: t.sandbox.app.clientSecret, grant_type: 'client_credentials', scope: GRAPH_DEFAULT[0] ?? '' });
      expect(r.status).toBe(400);
      expect(r.body.error_codes).toEqual([50059]);
    }
  });

  test('secret and assertion together are refused; a missing credential is AADSTS7000216', async () => {
    const both = await rawTokenRequest(t.sandbox.tenantId, {
      client_id: t.sandbox.app.clientId,
      client_secret: t.sandbox.app.clientSecret,
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion({ signWith: ownKey(), namedCertificate: ownCertificate() }),
      grant_type: 'client_credentials',
      scope: GRAPH_DEFAULT[0] ?? '',
    });
    expect(both.body.error).toBe('invalid_request');
    const none = await rawTokenRequest(t.sandbox.tenantId, { client_id: t.sandbox.app.clientId, grant_type: 'client_credentials', scope: GRAPH_DEFAULT[0] ?? '' });
    expect(none.body.error_codes).toEqual([7000216]);
  });

  test('a certificate not registered is refused (AADSTS700027) until registered, and again once deleted', async () => {
    const fresh = generateClientCertificate({ commonName: 'not yet registered' });
    const app = msal({ clientCertificate: certificateCredential(fresh.pem) });
    await expectAadError(appToken(app), 'invalid_client', 700027);

    const registered = await t.control.call<{ thumbprint: string; thumbprintSha256: string; notAfter: string }>('POST', `/apps/${t.sandbox.app.clientId}/certificates`, { certificate: fresh.certificatePem });
    expect(registered.status).toBe(201);
    expect(registered.body.thumbprintSha256).toBe(certificateCredential(fresh.pem).thumbprintSha256);
    expect(registered.body.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(Date.parse(registered.body.notAfter)).toBeGreaterThan(Date.now());
    expect(jwtClaims(await appToken(app))['idtyp']).toBe('app');

    expect((await t.control.call('DELETE', `/apps/${t.sandbox.app.clientId}/certificates/${registered.body.thumbprintSha256}`)).status).toBe(204);
    await expectAadError(appToken(app), 'invalid_client', 700027);
  });

  test('a registered certificate past its validity is refused (AADSTS1000502)', async () => {
    const day = 24 * 60 * 60 * 1000;
    const expired = generateClientCertificate({ notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
    expect((await t.control.call('POST', `/apps/${t.sandbox.app.clientId}/certificates`, { certificate: expired.certificatePem })).status).toBe(201);
    await expectAadError(appToken(msal({ clientCertificate: certificateCredential(expired.pem) })), 'invalid_client', 1000502);
  });

  test('assertions that are expired, forged, for another audience or another client are refused with their codes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const send = (clientAssertion: string) => appToken(msal({ clientAssertion }));
    await expectAadError(send(assertion({ signWith: ownKey(), namedCertificate: ownCertificate(), claims: { nbf: now - 4000, exp: now - 3400 } })), 'invalid_client', 700024);
    // Five minutes of clock skew are tolerated, not ten.
    expect(jwtClaims(await send(assertion({ signWith: ownKey(), namedCertificate: ownCertificate(), claims: { nbf: now + 120 } })))['idtyp']).toBe('app');
    await expectAadError(send(assertion({ signWith: ownKey(), namedCertificate: ownCertificate(), claims: { nbf: now + 600, exp: now + 1200 } })), 'invalid_client', 700024);
    // Signed with another key while naming the registered certificate.
    await expectAadError(send(assertion({ signWith: generateClientCertificate().privateKeyPem, namedCertificate: ownCertificate() })), 'invalid_client', 700027);
    await expectAadError(send(assertion({ signWith: ownKey(), namedCertificate: ownCertificate(), claims: { aud: `${t.sandbox.baseUrl}/${crypto.randomUUID()}/oauth2/v2.0/token` } })), 'invalid_client', 700023);
    await expectAadError(send(assertion({ signWith: ownKey(), namedCertificate: ownCertificate(), claims: { iss: crypto.randomUUID() } })), 'invalid_client', 700021);
    await expectAadError(send('not.a-jwt'), 'invalid_client', 50027);
  });

  test('the certificate authenticates the authorization code and refresh token grants as well', async () => {
    const app = msal();
    const crypt = new CryptoProvider();
    const { verifier, challenge } = await crypt.generatePkceCodes();
    const scopes = ['https://graph.microsoft.com/Mail.ReadWrite'];
    const redirectUri = 'https://localhost:3000/auth/callback';
    const url = await app.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256' });
    const code = (await answerConsent(url, ADMIN)).params.get('code') ?? '';
    const first = await app.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: verifier });
    expect(jwtClaims(first.accessToken)).toMatchObject({ azpacr: '2', preferred_username: ADMIN });
    const account = first.account;
    if (!account) throw new Error('the code redemption returned no account');
    const refreshed = await app.acquireTokenSilent({ account, scopes, forceRefresh: true });
    expect(jwtClaims(refreshed.accessToken)['azpacr']).toBe('2');
  });

  test('GET /sandbox/stats counts token requests by grant type (msal-node reuses one assertion; not refused)', async () => {
    expect((await t.control.call('POST', '/stats/reset')).status).toBe(204);
    const app = msal();
    await appToken(app);
    await appToken(app);
    const stats = await t.control.call<{ identity: { tokenRequests: Record<string, number> } }>('GET', '/stats');
    expect(stats.body.identity.tokenRequests).toEqual({ authorization_code: 0, refresh_token: 0, client_credentials: 2, other: 0 });
  });

  test('PUT application-permissions sets the roles of the next tokens', async () => {
    const path = `/apps/${t.sandbox.app.clientId}/application-permissions`;
    try {
      expect((await t.control.call('PUT', path, { permissions: ['Mail.Read'] })).status).toBe(200);
      expect(jwtClaims(await appToken())['roles']).toEqual(['Mail.Read']);
    } finally {
      await t.control.call('PUT', path, { permissions: ['Mail.ReadWrite', 'Mail.Send', 'User.Read.All'] });
    }
  });
});

describe('shared mailboxes', () => {
  test('nobody signs in as one: the sign-in stops with AADSTS50057 and the account is not offered', async () => {
    const url = await msal().getAuthCodeUrl({ scopes: ['https://graph.microsoft.com/Mail.ReadWrite'], redirectUri: 'https://localhost:3000/auth/callback' });
    const answer = await answerConsent(url, SHARED);
    expect(answer.status).toBe(400);
    expect(answer.location).toBe('');
    const page = await (await fetch(`${url}&sandbox_user=${encodeURIComponent(SHARED)}&sandbox_consent=accept`, { redirect: 'manual' })).text();
    expect(page).toContain('AADSTS50057');
    expect(await (await fetch(url)).text()).not.toContain(`value="${SHARED}"`);
    expect((await t.control.call<{ error: { code: string } }>('POST', '/tokens', { upn: SHARED })).body.error.code).toBe('UserDisabled');
  });

  test('Graph still finds the user, and the app reads its mailbox', async () => {
    const graph = t.graph(await appToken(), { retries: false });
    expect(await graph.api(`/users/${SHARED}`).get()).toMatchObject({ mail: SHARED, userPrincipalName: SHARED });
    await t.control.deliver(SHARED, 'From: customer@example.com\r\nTo: support@contoso.test\r\nSubject: Hello\r\nMessage-ID: <shared-1@example.com>\r\n\r\nHi\r\n');
    const inbox = (await graph.api(`/users/${SHARED}/mailFolders/inbox/messages`).get()) as { value: { subject: string }[] };
    expect(inbox.value.map((m) => m.subject)).toContain('Hello');
  });

  test('a user mailbox is not made shared by the control API, nor the reverse', async () => {
    expect((await t.control.call<{ error: { code: string } }>('POST', '/mailboxes', { address: ADMIN, shared: true })).body.error.code).toBe('MailboxTypeConflict');
    expect((await t.control.call<{ error: { code: string } }>('POST', '/mailboxes', { address: SHARED })).body.error.code).toBe('MailboxTypeConflict');
  });
});

describe('app scopes', () => {
  let graph: Client;
  let receiver: http.Server;
  let notifyUrl: string;

  const setScope = (mailboxes: string[]) => t.control.call<{ appId: string; tenantId: string; mailboxes: string[] }>('POST', '/app-scopes', { appId: t.sandbox.app.clientId, mailboxes });
  const expectPolicyRefusal = async (request: Promise<unknown>): Promise<void> => {
    const err = await graphError(request);
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('ErrorAccessDenied');
    // The same code as a missing permission: only Exchange's message tells the access policy apart.
    expect(err.message).toMatch(/AppOnly AccessPolicy/);
  };
  const subscribe = (mailbox: string) =>
    graph.api('/subscriptions').post({ changeType: 'created', notificationUrl: notifyUrl, resource: `users/${mailbox}/mailFolders('inbox')/messages`, expirationDateTime: new Date(Date.now() + 3_600_000).toISOString() });

  beforeAll(async () => {
    graph = t.graph(await appToken(), { retries: false });
    receiver = http.createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('validationToken');
      if (token !== null) res.writeHead(200, { 'Content-Type': 'text/plain' }).end(token);
      else res.writeHead(202).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    notifyUrl = `http://localhost:${(receiver.address() as AddressInfo).port}/notify`;
  });
  afterAll(async () => {
    await t.control.call('DELETE', `/app-scopes/${t.sandbox.app.clientId}`);
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('a scope limits reads, writes, sends and subscriptions to its mailboxes; elsewhere 403 with the access-policy message', async () => {
    const scoped = await setScope([SHARED]);
    expect(scoped.status).toBe(200);
    expect(scoped.body).toEqual({ appId: t.sandbox.app.clientId, tenantId: t.sandbox.tenantId, mailboxes: [SHARED] });
    expect((await t.control.call<unknown[]>('GET', '/app-scopes')).body).toEqual([scoped.body]);

    await expect(graph.api(`/users/${SHARED}/messages`).get()).resolves.toHaveProperty('value');
    await expectPolicyRefusal(graph.api(`/users/${SHARED_2}/messages`).get());
    await expectPolicyRefusal(graph.api(`/users/${SHARED_2}/mailFolders/inbox`).get());
    await expectPolicyRefusal(graph.api(`/users/${SHARED_2}/mailFolders/inbox/messages/delta`).get());
    await expectPolicyRefusal(graph.api(`/users/${ADMIN}/messages`).post({ subject: 'draft' }));
    await expectPolicyRefusal(graph.api(`/users/${SHARED_2}/sendMail`).post({ message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'customer@example.com' } }] } }));
    await expectPolicyRefusal(subscribe(SHARED_2));
    await expect(subscribe(SHARED)).resolves.toHaveProperty('id');

    const batch = (await graph.api('/$batch').post({
      requests: [
        { id: 'in', method: 'GET', url: `/users/${SHARED}/messages` },
        { id: 'out', method: 'GET', url: `/users/${SHARED_2}/messages` },
      ],
    })) as { responses: { id: string; status: number; body: { error?: { code: string } } }[] };
    const status = Object.fromEntries(batch.responses.map((r) => [r.id, r.status]));
    expect(status).toEqual({ in: 200, out: 403 });
    expect(batch.responses.find((r) => r.id === 'out')?.body.error?.code).toBe('ErrorAccessDenied');
  });

  test('a change applies at once, an open upload URL included; DELETE makes the app tenant-wide again', async () => {
    await setScope([SHARED]);
    const draft = (await graph.api(`/users/${SHARED}/messages`).post({ subject: 'with a large file' })) as { id: string };
    const session = (await graph.api(`/users/${SHARED}/messages/${draft.id}/attachments/createUploadSession`).post({ AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: 4 * 1024 * 1024 } })) as { uploadUrl: string };

    await setScope([SHARED_2]);
    await expectPolicyRefusal(graph.api(`/users/${SHARED}/messages`).get());
    await expectPolicyRefusal(graph.api(`/users/${SHARED}/messages/${draft.id}/attachments`).get());
    const chunk = Buffer.alloc(1024);
    const put = await fetch(session.uploadUrl, { method: 'PUT', headers: { 'Content-Range': `bytes 0-1023/${4 * 1024 * 1024}` }, body: chunk });
    expect(put.status).toBe(403);
    await expect(graph.api(`/users/${SHARED_2}/messages`).get()).resolves.toHaveProperty('value');

    expect((await t.control.call('DELETE', `/app-scopes/${t.sandbox.app.clientId}`)).status).toBe(204);
    expect((await t.control.call<unknown[]>('GET', '/app-scopes')).body).toEqual([]);
    await expect(graph.api(`/users/${SHARED}/messages`).get()).resolves.toHaveProperty('value');
    await expect(graph.api(`/users/${ADMIN}/messages`).get()).resolves.toHaveProperty('value');
  });

  test('unknown addresses are refused; /me with an app token is 400', async () => {
    const r = await t.control.call<{ error: { code: string } }>('POST', '/app-scopes', { appId: t.sandbox.app.clientId, mailboxes: [SHARED, 'nobody@contoso.test'] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('UnknownMailbox');
    const err = await graphError(graph.api('/me/messages').get());
    expect(err.statusCode).toBe(400);
  });

  test('sendMail and a draft send with no recipients: 400 ErrorInvalidRecipients once authorized, 403 before', async () => {
    await setScope([SHARED]);
    try {
      const empty = { message: { subject: 'probe', body: { contentType: 'Text', content: 'not sent' } }, saveToSentItems: false };
      const invalid = await graphError(graph.api(`/users/${SHARED}/sendMail`).post(empty));
      expect(invalid.statusCode).toBe(400);
      expect(invalid.code).toBe('ErrorInvalidRecipients');
      await expectPolicyRefusal(graph.api(`/users/${SHARED_2}/sendMail`).post(empty));

      const draft = (await graph.api(`/users/${SHARED}/messages`).post({ subject: 'no one to send to' })) as { id: string };
      const draftSend = await graphError(graph.api(`/users/${SHARED}/messages/${draft.id}/send`).post({}));
      expect(draftSend.code).toBe('ErrorInvalidRecipients');
      expect(await t.control.sent(SHARED)).toEqual([]);

      // Without Mail.Send the same probe is refused before the recipients are looked at.
      await t.control.call('PUT', `/apps/${t.sandbox.app.clientId}/application-permissions`, { permissions: ['Mail.ReadWrite'] });
      const noSend = await graphError(t.graph(await appToken(), { retries: false }).api(`/users/${SHARED}/sendMail`).post(empty));
      expect(noSend.statusCode).toBe(403);
      expect(noSend.code).toBe('ErrorAccessDenied');
    } finally {
      await t.control.call('PUT', `/apps/${t.sandbox.app.clientId}/application-permissions`, { permissions: ['Mail.ReadWrite', 'Mail.Send', 'User.Read.All'] });
      await t.control.call('DELETE', `/app-scopes/${t.sandbox.app.clientId}`);
    }
  });

  test('a delegated caller cannot subscribe to a shared mailbox (nor read it)', async () => {
    const delegated = t.graph(await t.control.token({ upn: ADMIN }), { retries: false });
    const err = await graphError(
      delegated.api('/subscriptions').post({ changeType: 'created', notificationUrl: notifyUrl, resource: `users/${SHARED}/mailFolders('inbox')/messages`, expirationDateTime: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('ErrorAccessDenied');
    expect((await graphError(delegated.api(`/users/${SHARED}/messages`).get())).statusCode).toBe(403);
  });
});

test('the client certificate, registered certificates and permissions survive a restart; the key file is owner-only', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-sandbox-app-restart-'));
  const extra = generateClientCertificate();
  const first = await startTestSandbox({ dataDir });
  let pem: string;
  try {
    pem = first.sandbox.app.clientCertificatePem;
    expect(fs.statSync(first.sandbox.app.clientCertificatePath).mode & 0o777).toBe(0o600);
    expect((await first.control.call('POST', `/apps/${first.sandbox.app.clientId}/certificates`, { certificate: extra.certificatePem })).status).toBe(201);
    await first.control.call('PUT', `/apps/${first.sandbox.app.clientId}/application-permissions`, { permissions: ['Mail.Read'] });
  } finally {
    await first.close();
  }
  const second = await startTestSandbox({ dataDir });
  try {
    expect(second.sandbox.app.clientCertificatePem).toBe(pem);
    const listed = (await second.control.call<{ thumbprintSha256: string }[]>('GET', `/apps/${second.sandbox.app.clientId}/certificates`)).body.map((c) => c.thumbprintSha256);
    expect(listed).toEqual(expect.arrayContaining([certificateCredential(pem).thumbprintSha256, certificateCredential(extra.pem).thumbprintSha256]));
    expect((await second.control.call<{ permissions: string[] }>('GET', `/apps/${second.sandbox.app.clientId}/application-permissions`)).body.permissions).toEqual(['Mail.Read']);
  } finally {
    await second.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
