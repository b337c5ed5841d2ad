import { startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Which web pages may talk to the sandbox. The pane's origin (a registered redirect URI's: localhost, any port)
 * gets CORS on the identity and Graph endpoints; any other site gets none, so it cannot read tokens or mail.
 * The control API mints any user's tokens, so it refuses every foreign page outright, the pane included.
 */

const PANE = 'https://localhost:3000';
const HOSTILE = 'https://attacker.example';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
  await t.control.createUser({ upn: 'origin-admin@contoso.test', roles: ['Relaydesk.Admin'] });
});
afterAll(() => t.close());

const preflight = (url: string, origin: string) =>
  fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });

describe('CORS', () => {
  test('the token endpoint lets the pane in and leaves other sites without permission', async () => {
    const token = `${t.sandbox.authority}oauth2/v2.0/token`;
    const ours = await preflight(token, PANE);
    expect(ours.status).toBe(204);
    expect(ours.headers.get('access-control-allow-origin')).toBe(PANE);
    const theirs = await preflight(token, HOSTILE);
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
    expect(theirs.headers.get('access-control-allow-methods')).toBeNull();
    const posted = await fetch(token, { method: 'POST', headers: { Origin: HOSTILE, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(posted.headers.get('access-control-allow-origin')).toBeNull();
  });

  test.each([
    ['discovery', () => `${t.sandbox.authority}v2.0/.well-known/openid-configuration`],
    ['keys', () => `${t.sandbox.baseUrl}/discovery/v2.0/keys`],
    ['Graph', () => `${t.sandbox.graphBaseUrl}/me`],
  ])('%s answers the pane and the sandbox itself, not other sites', async (_name, url) => {
    const origin = async (o: string) => (await fetch(url(), { headers: { Origin: o } })).headers.get('access-control-allow-origin');
    expect(await origin('http://127.0.0.1:5173')).toBe('http://127.0.0.1:5173');
    expect(await origin(new URL(t.sandbox.baseUrl).origin)).toBe(new URL(t.sandbox.baseUrl).origin);
    expect(await origin(HOSTILE)).toBeNull();
    expect(await origin('null')).toBeNull();
    expect(await origin('https://localhost.attacker.example')).toBeNull();
  });
});

describe('the control API', () => {
  const mint = (headers: Record<string, string>) =>
    fetch(`${t.sandbox.baseUrl}/sandbox/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ upn: 'origin-admin@contoso.test' }) });

  test.each([
    ['another site', { Origin: HOSTILE }],
    ['the task pane', { Origin: PANE }],
    ['another local port', { Origin: 'https://127.0.0.1:1' }],
    ['a cross-site request without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('refuses %s with 403 and no CORS permission', async (_name, headers) => {
    const res = await mint(headers);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CrossOriginRequestRefused');
  });

  test('refuses a foreign preflight too', async () => {
    const res = await preflight(`${t.sandbox.baseUrl}/sandbox/tokens`, HOSTILE);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('answers tools (no Origin) and its own origin', async () => {
    expect((await mint({})).status).toBe(200);
    expect((await mint({ Origin: new URL(t.sandbox.baseUrl).origin, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
  });
});
