import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expectAccessible } from '../../support/browser/axe';
import { launchChromium, type ChromiumSession } from '../../support/browser/chromium';
import { browserStep, buildAddin, DEMO_ADMIN, installFakeOutlook, paneUrl, signInFromPane, startPaneServer, statusShows, SUPPORT, type FakeItem, type FakeOutlookControl, type PaneServer } from './harness';

/**
 * Mailbox care in the built pane (headless Chromium, fake Outlook host, the real server in sandbox mode):
 * an admin links a mailbox that already holds unread mail, sees how much and from when, and chooses "only new
 * mail" (the old mail never becomes tickets, new mail does); a mailbox whose refresh token nears Entra's
 * 90-day limit shows the warning, and its Re-authorize button runs the consent flow that clears it.
 * Screenshots: test-artifacts/mailbox-care/; each pictured state is checked with axe.
 */

const CARE = 'care@contoso.test';
const DAY = 24 * 60 * 60 * 1000;
const TEST_TIMEOUT = 45_000;
const JORDAN = { address: 'jordan@customer.test', name: 'Jordan Customer' };

let distDir: string;
let server: PaneServer;
let browser: ChromiumSession;
const oldMail: FakeItem[] = [];

type PageGlobal = { __fakeOutlook: FakeOutlookControl; document: { getAnimations(): { playState: string }[] } };
const step = <T>(what: string, wait: Promise<T>): Promise<T> => browserStep(browser.log, what, wait);

beforeAll(async () => {
  distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-care-dist-'));
  await buildAddin(distDir);
  server = await startPaneServer(distDir);
  await server.linkMailbox(SUPPORT);
  // care@ already holds three unread emails when it is linked.
  await server.createMailbox(CARE);
  for (const subject of ['Old question one', 'Old question two', 'Old question three']) {
    oldMail.push(await server.deliverEmail(CARE, { from: JORDAN, subject, text: `${subject}: please help.` }));
  }
  browser = await launchChromium({ trustSpkiSha256: [server.sandbox.caSpkiSha256], artifactsSubdir: 'mailbox-care', viewport: { width: 420, height: 900 } });
  await installFakeOutlook(browser.context);
  // Sign in once as the admin: msal-browser keeps the account in the profile for the later pages.
  const first = await browser.context.newPage();
  await first.goto(paneUrl(server.origin, { user: DEMO_ADMIN, item: null }));
  await step('sign-in state', statusShows(first, 'sign_in_needed'));
  await signInFromPane(browser.context, first, DEMO_ADMIN);
  await step('signed in', statusShows(first, 'nothing_selected'));
  await first.close();
}, 150_000); // the production build alone takes 20-60 s on a busy 2-core machine

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
});

/** Screenshot once transitions have settled, then axe: no serious or critical violation. */
async function capture(page: Page, name: string): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as PageGlobal).document.getAnimations().every((a) => a.playState !== 'running'));
  await browser.screenshot(page, name);
  await expectAccessible(page, name);
}

async function openMailboxes(): Promise<Page> {
  const pane = await browser.context.newPage();
  await pane.goto(paneUrl(server.origin, { user: DEMO_ADMIN, item: null, language: 'en-US', theme: 'light' }));
  await step('pane ready', statusShows(pane, 'nothing_selected'));
  await pane.getByTestId('tab-mailboxes').click();
  await step('mailbox list', pane.locator(`[data-testid="mailbox"][data-address="${SUPPORT}"]`).waitFor());
  return pane;
}

interface MailboxJson {
  id: number;
  address: string;
  state: string;
  firstSync: { mode: string | null; days: number | null };
  credentials: { warnings: { kind: string; level: string }[] };
}
const mailboxOnServer = async (address: string): Promise<MailboxJson> => {
  const res = await server.api<MailboxJson[]>(DEMO_ADMIN, 'GET', '/api/mailboxes');
  expect(res.status).toBe(200);
  const found = res.body.find((m) => m.address === address);
  if (!found) throw new Error(`${address} is not listed`);
  return found;
};

test('first sync: the admin sees the unread mail waiting and takes only new mail from now on', async () => {
  const pane = await openMailboxes();
  await pane.getByTestId('link-address').fill(CARE);
  const [dialog] = await Promise.all([browser.context.waitForEvent('page'), pane.getByTestId('link-submit').click()]);
  await step('consent page in the dialog', dialog.locator('#accept').waitFor());
  expect(await dialog.inputValue('#sandbox_user')).toBe(CARE);
  await dialog.click('#accept');
  await step('link result', pane.locator('[data-testid="mailboxes-notice"][data-code="linked"]').waitFor());

  // Linked, and waiting: nothing is synced before the choice, however often the scheduler looks.
  const card = pane.locator(`[data-testid="first-sync"][data-address="${CARE}"]`);
  await step('first-sync card', card.locator('[data-testid="first-sync-summary"][data-unread="3"]').waitFor());
  const today = new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'short' }).format(new Date());
  expect(await card.getByTestId('first-sync-summary').textContent()).toBe(`3 unread messages in the Inbox, from ${today} to ${today}.`);
  expect(await card.getByTestId('first-sync-all_unread').isChecked()).toBe(true);
  expect((await mailboxOnServer(CARE)).firstSync.mode).toBeNull();
  await server.sync(CARE);
  for (const mail of oldMail) expect(await server.ticketOf(mail.internetMessageId)).toBeNull();
  await capture(pane, 'first-sync-choice');

  await card.getByTestId('first-sync-from_now').check();
  await card.getByTestId('first-sync-confirm').click();
  await step('choice saved', pane.locator('[data-testid="mailboxes-notice"]', { hasText: `${CARE} starts syncing.` }).waitFor());
  await step('card gone', card.waitFor({ state: 'detached' }));
  expect((await mailboxOnServer(CARE)).firstSync).toEqual({ mode: 'from_now', days: null });

  // It syncs now: a new email becomes a ticket, the three that were waiting do not.
  const fresh = await server.deliverEmail(CARE, { from: JORDAN, subject: 'A new question after the choice', text: 'Is anyone there?' });
  await server.sync(CARE);
  expect(await server.ticketOf(fresh.internetMessageId)).not.toBeNull();
  for (const mail of oldMail) expect(await server.ticketOf(mail.internetMessageId)).toBeNull();
  await pane.close();
}, TEST_TIMEOUT);

test('credential warning: a refresh token near its 90 days shows a warning whose Re-authorize clears it', async () => {
  const support = (await server.store.mailboxes.findByAddress(SUPPORT))!;
  const longAgo = new Date(Date.now() - 85 * DAY).toISOString();
  await server.store.mailboxes.update(support.id, { grant_issued_at: longAgo, refresh_token_used_at: longAgo });
  expect((await mailboxOnServer(SUPPORT)).credentials.warnings).toEqual([expect.objectContaining({ kind: 'refresh_token_inactive', level: 'warning' })]);

  const pane = await openMailboxes();
  const card = pane.locator(`[data-testid="mailbox"][data-address="${SUPPORT}"]`);
  const warning = card.locator('[data-testid="credential-warning"][data-kind="refresh_token_inactive"][data-level="warning"]');
  await step('warning shown', warning.waitFor());
  expect(await warning.textContent()).toContain("Microsoft drops this mailbox's sign-in in 4 days unless it is used.");
  await capture(pane, 'credential-warning');

  const dialogsBefore = (await pane.evaluate(() => (globalThis as unknown as PageGlobal).__fakeOutlook.dialogs())).length;
  const [dialog] = await Promise.all([browser.context.waitForEvent('page'), warning.getByTestId('credential-reauthorize').click()]);
  await step('consent page in the dialog', dialog.locator('#accept').waitFor());
  // Microsoft's authorize endpoint, for this mailbox (login_hint), in Office's dialog.
  const authorize = new URL(dialog.url());
  expect(authorize.origin).toBe(new URL(server.sandbox.authority).origin);
  expect(authorize.searchParams.get('login_hint')).toBe(SUPPORT);
  expect(await dialog.inputValue('#sandbox_user')).toBe(SUPPORT);
  await dialog.click('#accept');
  await step('re-authorized', pane.locator('[data-testid="mailboxes-notice"][data-code="reauthorized"]').waitFor());
  const dialogs = (await pane.evaluate(() => (globalThis as unknown as PageGlobal).__fakeOutlook.dialogs())).slice(dialogsBefore);
  expect(dialogs).toHaveLength(1);
  expect(new URL(dialogs[0]?.url ?? '').pathname).toBe('/addin/dialog-start.html');
  expect(JSON.parse(dialogs[0]?.messages[0] ?? '{}')).toMatchObject({ ok: true, code: 'reauthorized', mailbox: { address: SUPPORT } });

  // A new grant is a new refresh token: the warning is gone, in the pane and on the server.
  await step('warning gone', card.locator('[data-testid="credential-warning"]').waitFor({ state: 'detached' }));
  expect((await mailboxOnServer(SUPPORT)).credentials.warnings).toEqual([]);
  expect(Date.parse((await server.store.mailboxes.findById(support.id))!.grant_issued_at!)).toBeGreaterThan(Date.now() - DAY);
  await capture(pane, 'credential-renewed');
  await pane.close();
}, TEST_TIMEOUT);

test('app-only: a shared mailbox linked with the setup script at hand, refused as tenant-wide, then scoped after a re-check', async () => {
  const SHARED = 'shared-desk@contoso.test';
  const control = (method: string, pathname: string, body: unknown) =>
    fetch(`${server.sandbox.baseUrl}/sandbox${pathname}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await control('POST', '/mailboxes', { address: SHARED, shared: true })).status).toBe(201);

  const pane = await openMailboxes();
  await pane.getByTestId('link-mode-application').check();
  await pane.getByTestId('link-address').fill(SHARED);
  await pane.getByTestId('app-setup-toggle').click();
  const script = pane.getByTestId('app-setup-script');
  await step('setup script', script.waitFor());
  const text = (await script.textContent()) ?? '';
  expect(text).toContain(`New-ManagementRoleAssignment -Name 'Relaydesk mailboxes - Mail.Send' -App '${server.sandbox.app.clientId}' -Role 'Application Mail.Send'`);
  expect(text).toContain(`Add-DistributionGroupMember -Identity 'Relaydesk mailboxes' -Member '${SHARED}'`);
  expect(await pane.getByTestId('app-setup-test').textContent()).toContain(`Test-ServicePrincipalAuthorization -Identity '${server.sandbox.app.clientId}' -Resource '${SHARED}'`);
  await capture(pane, 'app-only-setup');

  // No scope in Exchange yet: the app could read the admin's own mailbox, so the link is refused with the fix.
  await pane.getByTestId('link-submit').click();
  const refused = pane.locator(`[data-testid="app-not-scoped"][data-probe="${DEMO_ADMIN}"]`);
  await step('tenant-wide refusal', refused.waitFor());
  expect((await server.store.mailboxes.findByAddress(SHARED))?.state ?? 'not linked').not.toBe('active');
  await capture(pane, 'app-only-not-scoped');

  await refused.getByTestId('app-not-scoped-accept').click();
  const card = pane.locator(`[data-testid="mailbox"][data-address="${SHARED}"][data-auth-mode="application"]`);
  await step('linked tenant-wide', card.locator('[data-testid="mailbox-app-access"][data-scope="tenant_wide"]').waitFor());
  expect(await card.getByTestId('mailbox-scope').textContent()).toBe('Tenant-wide');

  // The admin scopes the app in Exchange, then re-checks from the card: no consent window, scoped now.
  expect((await control('POST', '/app-scopes', { appId: server.sandbox.app.clientId, mailboxes: [SHARED] })).status).toBe(200);
  await card.getByTestId('mailbox-reauthorize').click();
  await step('scoped after re-check', card.locator('[data-testid="mailbox-app-access"][data-scope="scoped"]').waitFor());
  expect(await card.getByTestId('mailbox-scope').textContent()).toBe('Scoped');
  const onServer = (await server.api<{ address: string; appAccess: { scope: string; probe: string } | null }[]>(DEMO_ADMIN, 'GET', '/api/mailboxes')).body.find((m) => m.address === SHARED);
  expect(onServer?.appAccess).toMatchObject({ scope: 'scoped', probe: DEMO_ADMIN });
  await capture(pane, 'app-only-scoped');
  await pane.close();
}, TEST_TIMEOUT);
