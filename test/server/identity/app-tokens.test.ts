import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { AppTokens, type AppTokensOptions } from '../../../server/identity/app-tokens';
import { MailboxAuthError } from '../../../server/identity/mailbox-tokens';
import { certificateCredential, type MicrosoftApp } from '../../../server/identity/microsoft-app';
import { sandboxMicrosoftApp } from '../../../server/sandbox-mode';
import { graphClient, jwtClaims, startTestSandbox, type TestSandbox } from '../../support/sandbox';

// The app's own tokens (client credentials) for application-mode mailboxes: signed with the app's
// certificate, one per tenant, renewed before they expire, and nothing of them written anywhere.

const logger = pino({ level: 'silent' });
let sandbox: TestSandbox;
let app: MicrosoftApp;
const OTHER_TENANT = '6f0b7c1e-2d3a-4b5c-8d9e-0a1b2c3d4e5f';

beforeAll(async () => {
  sandbox = await startTestSandbox();
  app = sandboxMicrosoftApp(sandbox.sandbox, { clientCertificatePem: sandbox.sandbox.app.clientCertificatePem });
  await sandbox.control.createUser({ upn: 'someone@fabrikam-tenant.test', tenantId: OTHER_TENANT, mailbox: true });
  await sandbox.control.createMailbox('inbox-owner@contoso.test');
});
afterAll(() => sandbox?.close());

const clientCredentialRequests = async (): Promise<number> =>
  (await sandbox.control.call<{ identity: { tokenRequests: Record<string, number> } }>('GET', '/stats')).body.identity.tokenRequests['client_credentials'] ?? 0;

describe('app tokens', () => {
  it('get an app token with the certificate alone: roles, no scp, the tenant asked for', async () => {
    expect('clientSecret' in app.credential).toBe(false);
    const tokens = new AppTokens(app, logger);
    const { token, tenantId } = await tokens.token(sandbox.sandbox.tenantId);
    const claims = jwtClaims(token);
    expect(claims).toMatchObject({ idtyp: 'app', tid: sandbox.sandbox.tenantId, appid: app.clientId });
    expect(claims['scp']).toBeUndefined();
    expect(claims['roles']).toEqual(expect.arrayContaining(['Mail.ReadWrite', 'Mail.Send']));
    expect(tenantId).toBe(sandbox.sandbox.tenantId);
  });

  it('are refused when the assertion is not signed by the registered certificate', async () => {
    const registered = certificateCredential(sandbox.sandbox.app.clientCertificatePem);
    // The registered certificate's thumbprint and chain, but another key: the signature cannot verify.
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged: MicrosoftApp = { ...app, credential: { clientCertificate: { ...registered, privateKey: otherKey } } };
    const error = await new AppTokens(forged, logger).token(sandbox.sandbox.tenantId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxAuthError);
    expect((error as MailboxAuthError).code).toBe('identity_refused');
    expect((error as MailboxAuthError).aadsts).toBe('AADSTS700027');

    // The certificate no longer registered on the app: refused the same way, and accepted again once it is back.
    const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(sandbox.sandbox.app.clientCertificatePem)![0];
    expect((await sandbox.control.call('DELETE', `/apps/${app.clientId}/certificates/${registered.thumbprintSha256}`)).status).toBe(204);
    try {
      const unregistered = await new AppTokens(app, logger).token(sandbox.sandbox.tenantId).catch((e: unknown) => e);
      expect((unregistered as MailboxAuthError).aadsts).toBe('AADSTS700027');
    } finally {
      expect((await sandbox.control.call('POST', `/apps/${app.clientId}/certificates`, { certificate })).status).toBe(201);
    }
    await expect(new AppTokens(app, logger).token(sandbox.sandbox.tenantId)).resolves.toMatchObject({ tenantId: sandbox.sandbox.tenantId });
  });

  it('keep one token per tenant, shared by every caller, and ask Entra once for each', async () => {
    const tokens = new AppTokens(app, logger);
    const before = await clientCredentialRequests();
    const [a1, a2, a3] = await Promise.all([tokens.token(sandbox.sandbox.tenantId), tokens.token(sandbox.sandbox.tenantId), tokens.token(sandbox.sandbox.tenantId)]);
    const b = await tokens.token(OTHER_TENANT);
    const a4 = await tokens.token(sandbox.sandbox.tenantId);
    expect(new Set([a1.token, a2.token, a3.token, a4.token]).size).toBe(1);
    expect(b.token).not.toBe(a1.token);
    expect(jwtClaims(b.token)['tid']).toBe(OTHER_TENANT);
    expect(tokens.counters().requests).toBe(2);
    expect((await clientCredentialRequests()) - before).toBe(2);
  });

  it('renew a token before it expires, while the old one is still good', async () => {
    const options: AppTokensOptions = { refreshMarginMs: 60_000 };
    const tokens = new AppTokens(app, logger, options);
    const first = await tokens.token(sandbox.sandbox.tenantId);
    expect((await tokens.token(sandbox.sandbox.tenantId)).token).toBe(first.token);
    // Its remaining life now falls inside the renewal margin.
    options.refreshMarginMs = first.expiresAt - Date.now() + 60_000;
    const renewed = await tokens.token(sandbox.sandbox.tenantId);
    expect(renewed.token).not.toBe(first.token);
    expect(first.expiresAt).toBeGreaterThan(Date.now());
    // Graph still takes the old one: the renewal came before its expiry, not after a refusal.
    const inbox = (await graphClient(sandbox.sandbox, first.token).api('/users/inbox-owner@contoso.test/mailFolders/inbox').get()) as { id?: string };
    expect(inbox.id).toBeTruthy();
    expect(tokens.counters().requests).toBe(2);
  });
});
