import { randomUUID } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../server/http/app';
import { TokenVerifier } from '../../server/identity/token-verifier';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

/**
 * Only our tenant: the sandbox signs genuine tokens for users of any tenant (as Entra does behind
 * `organizations`), including one who gave themselves Relaydesk.Admin in their own tenant. The API takes only
 * delegated access tokens for its scope, from the tenants it was told about.
 */

let rd: RelaydeskWithSandbox;

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
});

afterAll(async () => {
  await rd?.close();
});

/** The API behind the sandbox's multi-tenant authority, accepting `tenantIds` only. */
function multiTenantApp(tenantIds: string[]) {
  const verifier = new TokenVerifier({ authority: `${rd.sandbox.baseUrl}/organizations`, audience: rd.sandbox.app.apiAudience, tenantIds, apiScope: rd.sandbox.app.apiScope });
  return createApp({ services: rd.services, logger: pino({ level: 'silent' }), tokenVerifier: verifier });
}

async function sandboxToken(body: Record<string, unknown>): Promise<string> {
  const { status, body: answer } = await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { audience: rd.sandbox.app.apiAudience, ...body });
  if (status !== 200) throw new Error(`sandbox refused a token: ${status}`);
  return answer.access_token;
}

const deadLetters = (app: ReturnType<typeof multiTenantApp>, token: string) => request(app).get('/api/dead-letters').set('Authorization', `Bearer ${token}`);

describe('API tokens from the sandbox', () => {
  it("accepts our tenant's admin and refuses another tenant's self-made admin behind organizations", async () => {
    const ours = `admin-${randomUUID().slice(0, 8)}@contoso.test`;
    const stranger = `mallory-${randomUUID().slice(0, 8)}@fabrikam.test`;
    await rd.control('POST', '/sandbox/users', { upn: ours, roles: ['Relaydesk.Admin'] });
    await rd.control('POST', '/sandbox/users', { upn: stranger, roles: ['Relaydesk.Admin'], tenantId: randomUUID() });
    const app = multiTenantApp([rd.sandbox.tenantId]);

    expect((await deadLetters(app, await sandboxToken({ upn: ours }))).status).toBe(200);
    const refused = await deadLetters(app, await sandboxToken({ upn: stranger }));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid_token');
  });

  it('refuses an app-only token that carries the admin app role', async () => {
    const res = await deadLetters(rd.app, await sandboxToken({ roles: ['Relaydesk.Admin'] }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('refuses a delegated token for the API without its scope', async () => {
    const upn = `agent-${randomUUID().slice(0, 8)}@contoso.test`;
    await rd.control('POST', '/sandbox/users', { upn, roles: ['Relaydesk.Admin'] });
    expect((await deadLetters(rd.app, await sandboxToken({ upn }))).status).toBe(200);
    const res = await deadLetters(rd.app, await sandboxToken({ upn, scopes: ['other_scope'] }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });
});
