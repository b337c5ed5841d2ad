import { SignJWT } from 'jose';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../../server/http/app';
import { TokenVerifier } from '../../../server/identity/token-verifier';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT, END_USER, type TokenClaims } from '../../support/identity-provider';

/**
 * The API's front door: bearer-token checks by the real TokenVerifier against a local OpenID provider, role
 * mapping, request ids, the unauthenticated health probes and the JSON 404. Ticket behaviour is in
 * tickets-api.test.ts.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AGENT_ROUTE = '/api/tickets';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.close();
});

const withBearer = (token: string) => request(harness.app).get(AGENT_ROUTE).set('Authorization', `Bearer ${token}`);

describe('bearer token checks', () => {
  it('answers 401 unauthenticated with a Bearer challenge when no token is sent', async () => {
    const res = await request(harness.app).get(AGENT_ROUTE);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error.code).toBe('unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  // A header that is not exactly "Bearer <one token>" must never reach the verifier half-parsed.
  it.each([
    ['a Basic credential', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['the scheme alone', 'Bearer'],
    ['the scheme and blanks', 'Bearer    '],
    ['two tokens', 'Bearer aaa bbb'],
    ['a token without a scheme', 'eyJhbGciOiJSUzI1NiJ9.e30.sig'],
  ])('answers 401 unauthenticated for a malformed Authorization header (%s)', async (_name, header) => {
    const res = await request(harness.app).get(AGENT_ROUTE).set('Authorization', header);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('answers 401 invalid_token for a bearer value that is not a JWT', async () => {
    const res = await withBearer('not-a-jwt');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('answers 401 invalid_token for a token issued for another audience', async () => {
    const res = await withBearer(await harness.idp.token(AGENT, { audience: 'api://some-other-app' }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('answers 401 token_expired for an expired token (beyond the clock tolerance)', async () => {
    const res = await withBearer(await harness.idp.token(AGENT, { expiresInSeconds: -300 }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_expired');
  });

  it('answers 401 invalid_token for a token signed by a key the authority does not publish', async () => {
    const res = await withBearer(await harness.idp.token(AGENT, { signWithForeignKey: true }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('answers 401 invalid_token for a token from another issuer', async () => {
    const res = await withBearer(await harness.idp.token(AGENT, { issuer: 'https://login.example.test/evil/v2.0' }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('answers 401 invalid_token for a token from another tenant', async () => {
    const res = await withBearer(await harness.idp.token({ ...AGENT, tid: '11111111-2222-3333-4444-555555555555' }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('answers 401 invalid_token for a token without an object id', async () => {
    const { oid: _oid, ...noOid } = AGENT;
    const res = await withBearer(await harness.idp.token(noOid));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  // Algorithm confusion: a symmetric token must not be accepted whatever secret it was made with.
  it('answers 401 invalid_token for an HS256 token with otherwise perfect claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ ...AGENT, tid: harness.idp.tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(harness.idp.issuer)
      .setAudience(harness.idp.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!'));
    const res = await withBearer(token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });
});

describe('only access tokens for this API, from our tenants', () => {
  const OTHER_TENANT = '11111111-2222-3333-4444-555555555555';
  /** The issuer another tenant's tokens carry at the same authority host: genuinely signed, just not ours. */
  const otherTenantIssuer = () => harness.idp.issuer.replace(harness.idp.tenantId, OTHER_TENANT);

  it('answers 200 to a delegated v2 access token with our scope from our tenant', async () => {
    expect((await withBearer(await harness.idp.token(AGENT))).status).toBe(200);
  });

  it.each<[string, TokenClaims]>([
    // Same audience (the client id) and signature as an access token; only scp/nonce tell them apart.
    ['an ID token (nonce, no scp)', { ...AGENT, scp: undefined, nonce: 'n-0S6_WzA2Mj' }],
    ['an ID token without a nonce (no scp)', { ...AGENT, scp: undefined }],
    ['an access token for another of our permissions, not the API scope', { ...AGENT, scp: 'User.Read Mail.Read' }],
    ['an access token whose scope only contains the name', { ...AGENT, scp: 'access_as_user_v2' }],
    ['an app-only token with an admin app role (no scp)', { roles: ['Relaydesk.Admin'], oid: '00000000-0000-0000-0000-0000000000a9', idtyp: 'app', scp: undefined }],
    ['a v1.0 token', { ...AGENT, ver: '1.0' }],
  ])('answers 401 invalid_token to %s', async (_name, claims) => {
    const res = await withBearer(await harness.idp.token(claims));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  it('answers 401 invalid_token to an admin token of another tenant, with that tenant\'s own issuer', async () => {
    const res = await withBearer(await harness.idp.token({ ...ADMIN, tid: OTHER_TENANT }, { issuer: otherTenantIssuer() }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });

  describe('behind a multi-tenant authority (organizations)', () => {
    const silent = pino({ level: 'silent' });
    // Entra publishes one issuer template for every tenant; the token's own tid must not be what fills it in.
    const appFor = (tenantIds: string[]) =>
      createApp({
        services: harness.services,
        logger: silent,
        tokenVerifier: new TokenVerifier({ authority: harness.idp.multiTenantAuthority, audience: harness.idp.audience, tenantIds, apiScope: harness.idp.apiScope }),
      });
    const call = async (app: ReturnType<typeof appFor>, token: string) => request(app).get(AGENT_ROUTE).set('Authorization', `Bearer ${token}`);

    it('accepts our tenant and refuses a consenting stranger tenant that made itself admin', async () => {
      const app = appFor([OTHER_TENANT.replace(/1/g, '9'), harness.idp.tenantId]);
      expect((await call(app, await harness.idp.token(ADMIN))).status).toBe(200);
      const stranger = await call(app, await harness.idp.token({ ...ADMIN, tid: OTHER_TENANT }, { issuer: otherTenantIssuer() }));
      expect(stranger.status).toBe(401);
      expect(stranger.body.error.code).toBe('invalid_token');
    });

    it("refuses our tenant's tid under another tenant's issuer", async () => {
      const res = await call(appFor([harness.idp.tenantId]), await harness.idp.token(ADMIN, { issuer: otherTenantIssuer() }));
      expect(res.status).toBe(401);
    });

    it('accepts nobody while the tenant list is empty', async () => {
      const res = await call(appFor([]), await harness.idp.token(ADMIN));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_token');
    });
  });
});

describe('roles', () => {
  it('answers 403 forbidden to a signed-in end user (no app role) on agent routes', async () => {
    const token = await harness.idp.token(END_USER);
    for (const call of [
      request(harness.app).get(AGENT_ROUTE),
      request(harness.app).get('/api/tickets/1'),
      request(harness.app).post('/api/tickets').send({ requester: { email: 'x@example.test' }, subject: 's', body: 'b' }),
      request(harness.app).patch('/api/tickets/1').send({ status: 'open' }),
    ]) {
      const res = await call.set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    // The refused POST must not have created anything.
    expect(await harness.store.tickets.search({ limit: 10 })).toEqual([]);
  });

  it('treats an unknown role like no role', async () => {
    const res = await withBearer(await harness.idp.token({ ...AGENT, roles: ['Relaydesk.Reader'] }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it.each([
    ['an agent', AGENT],
    ['an admin', ADMIN],
  ])('lets %s list tickets', async (_name, claims) => {
    const res = await withBearer(await harness.idp.token(claims));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tickets: [], nextCursor: null });
  });
});

describe('request ids', () => {
  it('echoes a sane x-request-id', async () => {
    const res = await request(harness.app).get('/healthz').set('x-request-id', 'req-42.abc:DEF_9');
    expect(res.headers['x-request-id']).toBe('req-42.abc:DEF_9');
  });

  it('echoes the caller request id on error answers too', async () => {
    const res = await request(harness.app).get(AGENT_ROUTE).set('x-request-id', 'trace-401');
    expect(res.status).toBe(401);
    expect(res.headers['x-request-id']).toBe('trace-401');
  });

  it('generates a fresh id for every request that has none', async () => {
    const first = await request(harness.app).get('/healthz');
    const second = await request(harness.app).get('/healthz');
    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).toMatch(UUID);
    expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
  });

  // An id goes into every log line: one with spaces, markup or unbounded length could forge or flood logs.
  it.each([
    ['spaces', 'abc def'],
    ['markup', '<script>alert(1)</script>'],
    ['a quote', 'abc"def'],
    ['129 characters', 'a'.repeat(129)],
  ])('replaces an unsafe x-request-id (%s) with a generated one', async (_name, unsafe) => {
    const res = await request(harness.app).get('/healthz').set('x-request-id', unsafe);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('accepts an id of exactly 128 characters', async () => {
    const id = 'b'.repeat(128);
    const res = await request(harness.app).get('/healthz').set('x-request-id', id);
    expect(res.headers['x-request-id']).toBe(id);
  });
});

describe('health probes', () => {
  it('answers /healthz without a token', async () => {
    const res = await request(harness.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz without a token once the store is migrated', async () => {
    const res = await request(harness.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });
});

describe('unknown routes', () => {
  it('answers 404 route_not_found as JSON outside /api', async () => {
    const res = await request(harness.app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error.code).toBe('route_not_found');
  });

  it('answers 404 route_not_found to an agent under /api', async () => {
    const res = await request(harness.app)
      .get('/api/no-such-thing')
      .set('Authorization', `Bearer ${await harness.idp.token(AGENT)}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('route_not_found');
  });

  it('does not reveal which /api routes exist to a caller without a token', async () => {
    const res = await request(harness.app).get('/api/no-such-thing');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });
});

describe('identity provider configuration', () => {
  const silent = pino({ level: 'silent' });

  it('answers 503 auth_not_configured when no identity provider is configured', async () => {
    const app = createApp({ services: harness.services, logger: silent, tokenVerifier: undefined });
    const res = await request(app).get(AGENT_ROUTE).set('Authorization', `Bearer ${await harness.idp.token(AGENT)}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('auth_not_configured');
    // The probes do not depend on authentication.
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it('answers 503 authority_unreachable (not 401) when the OpenID metadata cannot be fetched', async () => {
    // Port 1 on loopback refuses connections at once.
    const verifier = new TokenVerifier({ authority: 'http://127.0.0.1:1/tenant', audience: harness.idp.audience, tenantIds: [harness.idp.tenantId], apiScope: harness.idp.apiScope });
    const app = createApp({ services: harness.services, logger: silent, tokenVerifier: verifier });
    const res = await request(app).get(AGENT_ROUTE).set('Authorization', `Bearer ${await harness.idp.token(AGENT)}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('authority_unreachable');
  });
});
