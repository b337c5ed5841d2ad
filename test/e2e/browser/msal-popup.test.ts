import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumSession } from '../../support/browser/chromium';
import { startMsalTestPage, type MsalTestPage, type MsalTestPageError, type MsalTestPageResult } from '../../support/browser/msal-test-page';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox';

/**
 * Must-show of the Exchange Online sandbox: @azure/msal-browser in headless Chromium completes a popup sign-in
 * on the sandbox's real consent page (no sandbox_user / sandbox_consent shortcut): a user is picked and
 * Accept clicked in the popup, the redirect bridge hands the code back, and the SPA redeems it cross-origin
 * (CORS, PKCE, no secret). Cancel makes loginPopup reject with Entra's access_denied.
 *
 * Chromium trusts the sandbox CA through --ignore-certificate-errors-spki-list=<caSpkiSha256> (only that key;
 * every other certificate error still fails). Screenshots: test-artifacts/msal-popup/.
 */

const ADMIN = 'alex.admin@contoso.test';
const AGENT = 'sam.agent@contoso.test';
/** Per test; a sign-in takes about a second, and a hung popup fails at 15 s with the browser's log. */
const TEST_TIMEOUT = 25_000;

let t: TestSandbox;
let app: MsalTestPage;
let browser: ChromiumSession;
let issuer: string;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  t = await startTestSandbox();
  // Two users, and the agent is not the consent page's default choice (users are listed by UPN): signing in as
  // the agent proves the test really picked it on the page.
  await t.control.createUser({ upn: ADMIN, displayName: 'Alex Admin', roles: ['Relaydesk.Admin'] });
  await t.control.createUser({ upn: AGENT, displayName: 'Sam Agent', roles: ['Relaydesk.Agent'] });
  const discovery = (await (await fetch(`${t.sandbox.authority}v2.0/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  issuer = discovery.issuer;
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  app = await startMsalTestPage({
    clientId: t.sandbox.app.clientId,
    authority: t.sandbox.authority,
    knownAuthorities: [t.host],
    scopes: [t.sandbox.app.apiScope],
  });
  browser = await launchChromium({ trustSpkiSha256: [t.sandbox.caSpkiSha256], artifactsSubdir: 'msal-popup' });
}, 30_000);

// Each test's tabs (a failed test can leave its popup open, which msal-browser would reuse by window name).
afterEach(async () => {
  for (const page of browser?.context.pages().slice(1) ?? []) await page.close();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await t?.close();
});

/** A browser wait that fails with what Chromium logged (console, page errors, failed requests). */
async function withBrowserLog<T>(what: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${what}: ${String(err)}\nbrowser log:\n${browser.log.slice(-40).join('\n')}\ntest app requests: ${app.requests.join(', ')}`);
  }
}

/** Opens the test app, waits for msal-browser to initialize, clicks Sign in and returns the popup. */
async function openSignInPopup(loginHint = ''): Promise<{ main: Page; popup: Page }> {
  // A new tab per test: its own sessionStorage (msal-browser's cache and interaction state).
  const main = await browser.context.newPage();
  await main.goto(app.url);
  await main.locator('#status', { hasText: /^ready$/ }).waitFor();
  await main.fill('#login-hint', loginHint);
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), main.click('#sign-in')]);
  // The sandbox's consent page (after msal-browser's own about:blank), over HTTPS from the sandbox CA.
  await withBrowserLog('the consent page never showed', popup.locator('#accept').waitFor());
  expect(popup.url().startsWith(`${t.sandbox.authority}oauth2/v2.0/authorize?`)).toBe(true);
  return { main, popup };
}

/** Waits for the app's outcome (#status signed-in or error); a hang fails with the browser's log. */
async function outcome(main: Page): Promise<{ status: string; result?: MsalTestPageResult; error?: MsalTestPageError }> {
  await withBrowserLog('the test app never finished signing in', main.locator('#status', { hasText: /^(signed-in|error)$/ }).waitFor({ timeout: 15_000 }));
  const status = (await main.textContent('#status')) ?? '';
  const resultText = (await main.textContent('#result')) ?? '';
  const errorText = (await main.textContent('#error')) ?? '';
  return {
    status,
    ...(resultText ? { result: JSON.parse(resultText) as MsalTestPageResult } : {}),
    ...(errorText ? { error: JSON.parse(errorText) as MsalTestPageError } : {}),
  };
}

async function closed(page: Page): Promise<boolean> {
  if (!page.isClosed()) await page.waitForEvent('close', { timeout: 5_000 });
  return page.isClosed();
}

async function verified(token: string): Promise<JWTPayload> {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience: t.sandbox.app.apiAudience, algorithms: ['RS256'] });
  expect(protectedHeader.kid).toBeTruthy();
  return payload;
}

test('loginPopup: pick the agent on the consent page, Accept, and the app holds a verified API token for them', async () => {
  const { main, popup } = await openSignInPopup();

  // The real consent page: the API permission requested, both users offered, the admin chosen by default.
  expect(await popup.title()).toContain('Sign in to your account');
  expect(await popup.locator('#scopes li').allTextContents()).toEqual(['access_as_user', 'openid', 'profile', 'offline_access']);
  const offered = await popup.locator('#sandbox_user option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
  expect(offered).toEqual([ADMIN, AGENT]);
  expect(await popup.inputValue('#sandbox_user')).toBe(ADMIN);
  await popup.selectOption('#sandbox_user', AGENT);
  expect(await popup.inputValue('#sandbox_user')).toBe(AGENT);
  await browser.screenshot(popup, 'consent-page');
  await popup.click('#accept');

  const { status, result, error } = await outcome(main);
  expect({ status, error }).toEqual({ status: 'signed-in', error: undefined });
  await browser.screenshot(main, 'signed-in');
  expect(await closed(popup)).toBe(true);
  // The code came back through the app's redirect page (the redirect bridge), not by polling the popup.
  expect(app.requests).toContain('GET /redirect.html');
  expect(app.requests).toContain('GET /redirect.js');

  expect(await main.textContent('#username')).toBe(AGENT);
  const r = result as MsalTestPageResult;
  expect(r.username).toBe(AGENT);
  expect(r.tenantId).toBe(t.sandbox.tenantId);

  // The access token from loginPopup: for Relaydesk's API, with the agent's app role, in the sandbox tenant.
  const claims = r.popup.claims;
  expect(claims['aud']).toBe(t.sandbox.app.apiAudience);
  expect(claims['roles']).toEqual(['Relaydesk.Agent']);
  expect(claims['tid']).toBe(t.sandbox.tenantId);
  expect(claims['preferred_username']).toBe(AGENT);
  expect(claims['scp']).toBe('access_as_user');
  expect(JSON.parse((await main.textContent('#claims')) ?? '{}')).toEqual(claims);
  // Signed by the sandbox's key, checked against its JWKS, with the decoded claims the page showed.
  const payload = await verified(r.popup.accessToken);
  expect(payload).toEqual(claims);

  // acquireTokenSilent answers from the cache; with forceRefresh it redeems the refresh token cross-origin.
  expect(r.silent.fromCache).toBe(true);
  expect(r.silent.accessToken).toBe(r.popup.accessToken);
  expect(r.refreshed.fromCache).toBe(false);
  expect(r.refreshed.accessToken).not.toBe(r.popup.accessToken);
  const refreshed = await verified(r.refreshed.accessToken);
  expect(refreshed['roles']).toEqual(['Relaydesk.Agent']);
  expect(refreshed['oid']).toBe(claims['oid']);
}, TEST_TIMEOUT);

test('loginPopup: Cancel on the consent page rejects with access_denied (AADSTS65004)', async () => {
  const { main, popup } = await openSignInPopup(AGENT);
  // The login hint preselects the user.
  expect(await popup.inputValue('#sandbox_user')).toBe(AGENT);
  await popup.click('#cancel');

  const { status, result, error } = await outcome(main);
  await browser.screenshot(main, 'cancelled');
  expect(status).toBe('error');
  expect(result).toBeUndefined();
  // Entra's answer (error=access_denied, error_subcode=cancel, AADSTS65004) as msal-browser reports it: a
  // ServerError with errorCode access_denied (MSAL reads `suberror`, not Entra's `error_subcode`, so subError
  // stays empty; user_cancelled is what it reports when the popup window is closed instead).
  expect(error).toMatchObject({ name: 'ServerError', errorCode: 'access_denied' });
  expect(error?.errorMessage).toContain('AADSTS65004: User declined to consent to access the app.');
  expect(await closed(popup)).toBe(true);
  expect(await main.textContent('#username')).toBe('');
}, TEST_TIMEOUT);
