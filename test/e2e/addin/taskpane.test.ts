import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumSession } from '../../support/browser/chromium';
import { browserStep, buildAddin, DEMO_ADMIN, installFakeOutlook, type FakeOutlookControl, paneUrl, signInFromPane, startPaneServer, statusShows, SUPPORT, type FakeItem, type PaneServer } from './harness';

/**
 * Must-show of issue 7: the built task pane in headless Chromium against the real server in sandbox mode.
 * A fake Outlook host (./fake-office-host.js, injected before the bundle) selects emails the server ingested
 * and fires ItemChanged; sign-in is msal-browser's real redirect flow in an Office dialog (this Outlook has no
 * nested app authentication) or its popup flow (a plain browser tab), on the sandbox's consent page; an admin
 * links mailboxes through an Office dialog (in Outlook) and through a popup (in a plain browser tab), each
 * ending on the server's OAuth callback page. Screenshots: test-artifacts/addin/ (ticket card, no ticket, mailboxes).
 */

const BILLING = 'billing@contoso.test';
const SALES = 'sales@contoso.test';
const TEST_TIMEOUT = 30_000;

let distDir: string;
let server: PaneServer;
let browser: ChromiumSession;
let question: FakeItem;
let second: FakeItem;
let autoReply: FakeItem;
/** Every Content-Security-Policy violation in any page of the browser: `directive blocked-URI`. */
const cspViolations: string[] = [];

beforeAll(async () => {
  distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-addin-dist-'));
  await buildAddin(distDir);
  server = await startPaneServer(distDir);
  await server.linkMailbox(SUPPORT);
  question = await server.deliver(SUPPORT, 'question');
  autoReply = await server.deliver(SUPPORT, 'auto-reply');
  second = await server.deliver(SUPPORT, 'cc');
  await server.sync(SUPPORT);
  await server.createMailbox(BILLING);
  await server.createMailbox(SALES);
  browser = await launchChromium({ trustSpkiSha256: [server.sandbox.caSpkiSha256], artifactsSubdir: 'addin', viewport: { width: 420, height: 760 } });
  await installFakeOutlook(browser.context);
  await browser.context.exposeBinding('__reportCspViolation', (_source, violation: string) => void cspViolations.push(violation));
  await browser.context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => window.__reportCspViolation(e.effectiveDirective + ' ' + e.blockedURI));`,
  });
}, 150_000); // the production build alone takes 20-60 s on a busy 2-core machine

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
});

/** A browser wait that fails with what Chromium logged. */
const step = <T>(what: string, wait: Promise<T>): Promise<T> => browserStep(browser.log, what, wait);

/** Screenshot once CSS transitions (Fluent's button colours) have finished, so the picture shows the settled UI. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { document: { getAnimations(): { playState: string }[] } }).document.getAnimations().every((a) => a.playState !== 'running'));
  await browser.screenshot(page, name);
}

const ticketOf = async (item: FakeItem) => {
  const row = (await server.store.mailMessages.findByMessageIds([item.internetMessageId])).find((m) => m.ticket_id !== null);
  if (!row?.ticket_id) throw new Error(`no ticket for ${item.internetMessageId}`);
  return row.ticket_id;
};
// Functions passed to page.evaluate run in the page: they reach the fake host through globalThis.
type PageGlobal = { __fakeOutlook: FakeOutlookControl };
const select = (pane: Page, item: FakeItem | null) => pane.evaluate((i) => (globalThis as unknown as PageGlobal).__fakeOutlook.select(i), item);

test('in Outlook: sign in, see the ticket, follow the selection, link a mailbox through an Office dialog', async () => {
  const pane = await browser.context.newPage();
  await pane.goto(paneUrl(server.origin, { user: DEMO_ADMIN, item: question }));

  // A fresh profile has no account: the pane asks for sign-in, and has already registered for ItemChanged.
  await step('sign-in state', statusShows(pane, 'sign_in_needed'));
  expect(await pane.evaluate(() => (globalThis as unknown as PageGlobal).__fakeOutlook.handlerCount())).toBe(1);
  await signInFromPane(browser.context, pane, DEMO_ADMIN);

  // The ticket the server made from the selected email.
  await step('ticket card', statusShows(pane, 'ticket', question.internetMessageId));

  // This Outlook has no nested app authentication: the sign-in ran in an Office dialog (a popup could not
  // reach the pane there), pre-filled with Outlook's user, and answered with messageParent.
  const signInDialogs = await pane.evaluate(() => (globalThis as unknown as PageGlobal).__fakeOutlook.dialogs());
  expect(signInDialogs).toHaveLength(1);
  const signInUrl = new URL(signInDialogs[0]?.url ?? '');
  expect([signInUrl.pathname, signInUrl.searchParams.get('login_hint')]).toEqual(['/addin/sign-in.html', DEMO_ADMIN]);
  expect(signInDialogs[0]?.closed).toBe(true);
  expect(JSON.parse(signInDialogs[0]?.messages[0] ?? '{}')).toMatchObject({ type: 'relaydesk.sign-in-result', ok: true, account: { username: DEMO_ADMIN } });

  const id = await ticketOf(question);
  expect(await pane.getByTestId('ticket-number').textContent()).toMatch(new RegExp(`^#${id} · `));
  expect(await pane.getByTestId('ticket-subject').textContent()).toBe(question.subject);
  expect(await pane.locator('[data-testid="ticket-card"] [data-status]').getAttribute('data-status')).toBe('new');
  expect(await pane.getByTestId('ticket-requester').textContent()).toContain(question.from.address);
  expect(await pane.getByTestId('ticket-assignee').textContent()).toBe('Unassigned');
  expect(await pane.getByTestId('signed-in-as').textContent()).toBe(DEMO_ADMIN);
  await screenshot(pane, 'ticket-card');

  // ItemChanged: an auto-reply has no ticket, and the pane says why.
  await select(pane, autoReply);
  await step('no-ticket state', statusShows(pane, 'no_ticket', autoReply.internetMessageId));
  expect(await pane.getByTestId('no-ticket').getAttribute('data-reason')).toBe('suppressed');
  expect(await pane.getByTestId('no-ticket-explanation').textContent()).toContain('automatic reply');
  await screenshot(pane, 'no-ticket');

  // Another email, another ticket: the card follows, with the CCs of that email.
  await select(pane, second);
  await step('second ticket', statusShows(pane, 'ticket', second.internetMessageId));
  expect(await pane.getByTestId('ticket-number').textContent()).toMatch(new RegExp(`^#${await ticketOf(second)} · `));
  expect(await pane.getByTestId('ticket-subject').textContent()).toBe(second.subject);
  expect(await pane.getByTestId('ticket-ccs').textContent()).not.toBe('None');

  // An email Relaydesk never saw, in the admin's own (unlinked) mailbox; then nothing selected (a pinned pane
  // between selections).
  await select(pane, { ...question, internetMessageId: '<never-seen@customer.test>' });
  await step('unknown email', statusShows(pane, 'no_ticket', '<never-seen@customer.test>'));
  expect(await pane.getByTestId('no-ticket').getAttribute('data-reason')).toBe('mailbox_not_linked');
  expect(await pane.getByTestId('no-ticket-explanation').textContent()).toContain(`${DEMO_ADMIN} is not linked`);
  await select(pane, null);
  await step('nothing selected', statusShows(pane, 'nothing_selected'));

  // Admin: the linked support mailbox with its health, then link billing@ in an Office dialog.
  await pane.getByTestId('tab-mailboxes').click();
  const support = pane.locator(`[data-testid="mailbox"][data-address="${SUPPORT}"]`);
  await step('mailbox list', support.waitFor());
  expect(await support.getAttribute('data-state')).toBe('active');
  expect(await support.getByTestId('mailbox-health').textContent()).toContain('3 emails ingested');

  await pane.getByTestId('link-address').fill(BILLING);
  const [dialog] = await Promise.all([browser.context.waitForEvent('page'), pane.getByTestId('link-submit').click()]);
  await step('consent page in the dialog', dialog.locator('#accept').waitFor());
  expect(await dialog.inputValue('#sandbox_user')).toBe(BILLING);
  await dialog.click('#accept');
  await step('link result', pane.locator('[data-testid="mailboxes-notice"][data-code="linked"]').waitFor());
  const billing = pane.locator(`[data-testid="mailbox"][data-address="${BILLING}"]`);
  await step('billing listed', billing.waitFor());
  expect(await billing.getAttribute('data-state')).toBe('active');
  // It went through Office's dialog API: our dialog-start page first, the answer by messageParent, then closed.
  const dialogs = (await pane.evaluate(() => (globalThis as unknown as PageGlobal).__fakeOutlook.dialogs())).slice(1);
  expect(dialogs).toHaveLength(1);
  expect(new URL(dialogs[0]?.url ?? '').pathname).toBe('/addin/dialog-start.html');
  expect(dialogs[0]?.closed).toBe(true);
  expect(JSON.parse(dialogs[0]?.messages[0] ?? '{}')).toMatchObject({ type: 'relaydesk.link-result', ok: true, code: 'linked', mailbox: { address: BILLING, state: 'active' } });
  expect((await server.store.mailboxes.findByAddress(BILLING))?.state).toBe('active');
  await screenshot(pane, 'mailboxes');
  await pane.close();
}, TEST_TIMEOUT);

test('outside Outlook: the pane says so, and an admin links a mailbox through a popup', async () => {
  // Same browser profile: the account from the first test is in msal-browser's cache, so no sign-in is needed.
  const pane = await browser.context.newPage();
  await pane.goto(`${server.origin}/addin/taskpane.html`);
  await step('outside-Outlook state', statusShows(pane, 'outside_outlook'));

  await pane.getByTestId('tab-mailboxes').click();
  await pane.getByTestId('link-address').fill(SALES);
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), pane.getByTestId('link-submit').click()]);
  await step('consent page in the popup', popup.locator('#accept').waitFor());
  await popup.selectOption('#sandbox_user', SALES);
  await popup.click('#accept');
  await step('link result', pane.locator('[data-testid="mailboxes-notice"][data-code="linked"]').waitFor());
  await step('sales listed', pane.locator(`[data-testid="mailbox"][data-address="${SALES}"][data-state="active"]`).waitFor());
  // The popup closed once the callback page posted the result.
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5_000 });
  expect(popup.isClosed()).toBe(true);
  expect((await server.store.mailboxes.findByAddress(SALES))?.state).toBe('active');
  await screenshot(pane, 'mailboxes-popup');
  await pane.close();
}, TEST_TIMEOUT);

test('the server serves the manifest for its own origin, and office.js to pages outside Outlook', async () => {
  const manifest = await fetch(`${server.origin}/manifest.xml`);
  expect(manifest.status).toBe(200);
  const xml = await manifest.text();
  expect(xml).toContain(`<SourceLocation DefaultValue="${server.origin}/addin/taskpane.html"/>`);
  expect(xml).not.toContain('https://localhost:3000');
  const office = await fetch(`${server.origin}/addin/office.js`);
  expect(office.status).toBe(200);
  expect(await office.text()).toContain('OSFPerformance');
});

// Runs last: the pages above (pane, dialogs, popups, callback) ran under the add-in's Content-Security-Policy.
test('no page broke its Content-Security-Policy', () => {
  expect(cspViolations).toEqual([]);
});
