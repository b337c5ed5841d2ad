import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { ADMIN, AGENT } from '../../support/identity-provider';

/**
 * /api rate limits: per client address before authentication (strangers cannot make the server verify tokens
 * without end) and per verified caller (tenant + object id) after it. Over the limit: 429 with Retry-After and
 * the API's JSON error shape.
 */

const LIMIT = 3;

function expectRateLimited(res: request.Response, scope: 'ip' | 'user'): void {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code: 'rate_limited', details: { scope } });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('per caller', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startApiHarness({ rateLimits: { perUserPerMinute: LIMIT, perIpPerMinute: 1000 } });
  });
  afterAll(() => harness?.close());

  it('refuses a caller over the limit while another caller from the same address goes on', async () => {
    const agent = `Bearer ${await harness.idp.token(AGENT)}`;
    const admin = `Bearer ${await harness.idp.token(ADMIN)}`;
    for (let i = 0; i < LIMIT; i++) expect((await request(harness.app).get('/api/tickets').set('Authorization', agent)).status).toBe(200);
    expectRateLimited(await request(harness.app).get('/api/tickets').set('Authorization', agent), 'user');
    // A fresh token for the same person is the same caller.
    expectRateLimited(await request(harness.app).get('/api/tickets').set('Authorization', `Bearer ${await harness.idp.token(AGENT)}`), 'user');
    expect((await request(harness.app).get('/api/tickets').set('Authorization', admin)).status).toBe(200);
  });
});

describe('per address', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startApiHarness({ rateLimits: { perUserPerMinute: 1000, perIpPerMinute: LIMIT } });
  });
  afterAll(() => harness?.close());

  it('counts unauthenticated requests and refuses before the token is looked at', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await request(harness.app).get('/api/tickets')).status).toBe(401);
    expectRateLimited(await request(harness.app).get('/api/tickets').set('Authorization', `Bearer ${await harness.idp.token(AGENT)}`), 'ip');
    expectRateLimited(await request(harness.app).get('/api/auth/config'), 'ip');
    // Outside /api nothing is limited: health probes keep answering.
    expect((await request(harness.app).get('/healthz')).status).toBe(200);
  });
});
