import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { composer as composerCatalog } from '../../../addin/i18n/catalog/composer';
import { pane as paneCatalog } from '../../../addin/i18n/catalog/pane';
import { expectAccessible } from '../../support/browser/axe';
import { launchChromium, type ChromiumSession } from '../../support/browser/chromium';
import {
  browserStep,
  buildAddin,
  DEMO_ADMIN,
  DEMO_AGENT,
  DEMO_AGENT_2,
  installFakeOutlook,
  paneUrl,
  ROOT,
  signInFromPane,
  startPaneServer,
  statusShows,
  SUPPORT,
  type FakeItem,
  type FakeOutlookConfig,
  type FakeOutlookControl,
  type PaneServer,
  type SentEmail,
} from './harness';

/**
 * The agents' workspace in the task pane: the production bundle in headless Chromium, the fake Outlook host,
 * the real server in sandbox mode. An agent (alex@, role Relaydesk.Agent) replies, writes an internal note,
 * assigns, solves, makes tickets of emails Relaydesk has no ticket for (read by the server from a linked
 * mailbox, or copied from Outlook for a mailbox that is not linked), meets a conflicting change of another
 * agent (412) without losing the draft, works the queue by keyboard alone, and sees a customer's new email
 * arrive without a reload. What left by email is read back from the sandbox's sent log.
 *
 * Screenshots (each state also checked with axe: no serious or critical violation):
 * test-artifacts/workspace/<state>-<locale>-<theme>.png. With UPDATE_DOCS_SCREENSHOTS=1 the ticket and queue
 * in en-US light are copied to docs/screenshots/.
 */

const TEST_TIMEOUT = 60_000;
const LIVE_UPDATE_MS = 5_000;
const LOCALES = ['en-US', 'it-IT'] as const;
const THEMES = ['light', 'dark'] as const;
type Locale = (typeof LOCALES)[number];
type Theme = (typeof THEMES)[number];
/** The screenshots the documentation shows: state -> file under docs/screenshots/. */
const DOCS_SCREENSHOTS: Record<string, string> = { ticket: 'workspace-ticket.png', queue: 'workspace-queue.png' };

const JORDAN = { address: 'jordan@fabrikam.test', name: 'Jordan Miller' };
const LI_WEI = { address: 'li.wei@northwind.test', name: 'Li Wei' };
/** In every queue email's subject, so a search finds exactly them. */
const QUEUE_WORD = 'Quasar';

let distDir: string;
let server: PaneServer;
let browser: ChromiumSession;
let supportId: number;
let alexId: number;
let lynneId: number;
const mail = {} as Record<'reply' | 'conflict' | 'live' | 'queueA' | 'queueB' | 'queueC', FakeItem>;
const tickets = {} as Record<keyof typeof mail, number>;
/** Every Content-Security-Policy violation in any page of the browser: `directive blocked-URI`. */
const cspViolations: string[] = [];

beforeAll(async () => {
  distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-workspace-dist-'));
  await buildAddin(distDir);
  server = await startPaneServer(distDir);
  await server.linkMailbox(SUPPORT);
  supportId = (await server.store.mailboxes.findByAddress(SUPPORT))!.id;
  mail.reply = await server.deliverEmail(SUPPORT, { from: JORDAN, cc: [LI_WEI], subject: 'Printer in room 4 prints blank pages', text: 'Since Monday every page comes out blank. Li sees it too.' });
  mail.conflict = await server.deliverEmail(SUPPORT, { from: JORDAN, subject: 'VPN drops every hour', text: 'The VPN disconnects every hour on the hour.' });
  mail.live = await server.deliverEmail(SUPPORT, { from: LI_WEI, subject: 'Cannot open the shared calendar', text: 'The team calendar says access denied.' });
  mail.queueA = await server.deliverEmail(SUPPORT, { from: JORDAN, subject: `${QUEUE_WORD} licence renewal`, text: 'Our licence runs out next week.' });
  mail.queueB = await server.deliverEmail(SUPPORT, { from: LI_WEI, subject: `${QUEUE_WORD} export is slow`, text: 'The export takes ten minutes.' });
  mail.queueC = await server.deliverEmail(SUPPORT, { from: JORDAN, subject: `${QUEUE_WORD} login loop`, text: 'The login page keeps reloading.' });
  await server.sync(SUPPORT);
  for (const key of Object.keys(mail) as (keyof typeof mail)[]) {
    const id = await server.ticketOf(mail[key].internetMessageId);
    if (id === null) throw new Error(`no ticket for the ${key} email`);
    tickets[key] = id;
  }
  // Every agent has a staff row before the pane lists agents (GET /api/me creates it on first use).
  alexId = await server.staffId(DEMO_AGENT);
  lynneId = await server.staffId(DEMO_AGENT_2);
  await server.staffId(DEMO_ADMIN);
  // The acknowledgements of the new tickets leave now, so later sent-log reads see only what a test caused.
  await server.relayNow();

  browser = await launchChromium({ trustSpkiSha256: [server.sandbox.caSpkiSha256], artifactsSubdir: 'workspace', viewport: { width: 420, height: 760 } });
  await installFakeOutlook(browser.context);
  await browser.context.exposeBinding('__reportCspViolation', (_source, violation: string) => void cspViolations.push(violation));
  await browser.context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => window.__reportCspViolation(e.effectiveDirective + ' ' + e.blockedURI));`,
  });
  // Sign in once as the agent: msal-browser keeps the account in the profile for every later page.
  const first = await browser.context.newPage();
  await first.goto(paneUrl(server.origin, { user: DEMO_AGENT, item: mail.reply }));
  await step('sign-in state', statusShows(first, 'sign_in_needed'));
  await signInFromPane(browser.context, first, DEMO_AGENT);
  await step('signed in', statusShows(first, 'ticket', mail.reply.internetMessageId));
  await first.close();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
});

/** A browser wait that fails with what Chromium logged. */
const step = <T>(what: string, wait: Promise<T>): Promise<T> => browserStep(browser.log, what, wait);

// Functions passed to page.evaluate run in the page: they reach the fake host through globalThis.
type PageGlobal = { __fakeOutlook: FakeOutlookControl; document: { activeElement: PageElement | null; getAnimations(): { playState: string }[]; querySelector(s: string): PageElement | null } };
type PageElement = { closest(s: string): PageElement | null; getAttribute(n: string): string | null; parentElement: PageElement | null };
const select = (page: Page, item: FakeItem | null) => page.evaluate((i) => (globalThis as unknown as PageGlobal).__fakeOutlook.select(i), item);

/** A new pane page in Outlook with `item` selected, in `language` and `theme`. */
async function openPane(item: FakeItem | null, options: Partial<Omit<FakeOutlookConfig, 'item'>> = {}): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(paneUrl(server.origin, { user: DEMO_AGENT, item, language: 'en-US', theme: 'light', ...options }));
  await step('pane ready', page.locator('main[data-locale]').waitFor());
  return page;
}

/** The workspace of `ticketId`, loaded (its conversation shown) and in sync with the server. */
async function workspaceShows(page: Page, ticketId: number): Promise<void> {
  await step(`workspace of #${ticketId}`, page.locator(`[data-testid="ticket-view"][data-ticket-id="${ticketId}"][data-sync="saved"]`).waitFor({ timeout: 15_000 }));
  await step(`conversation of #${ticketId}`, page.getByTestId('conversation').waitFor());
}

/**
 * Screenshot and accessibility check of the pane's current state, named `<state>-<locale>-<theme>` after what
 * the pane's main element says. The picture is taken once CSS transitions have finished, then axe runs; its
 * serious and critical findings fail the test at its end.
 */
async function capture(page: Page, state: string): Promise<void> {
  const main = page.locator('main');
  const locale = await main.getAttribute('data-locale');
  const theme = await main.getAttribute('data-theme');
  await page.waitForFunction(() => (globalThis as unknown as PageGlobal).document.getAnimations().every((a) => a.playState !== 'running'));
  const file = await browser.screenshot(page, `${state}-${locale}-${theme}`);
  const accessible = await expectAccessible(page, `${state} (${locale}, ${theme})`).then(
    () => true,
    (err: unknown) => (accessibilityFailures.push(String(err)), false),
  );
  // The documentation shows only a state that passed its checks.
  const docsName = DOCS_SCREENSHOTS[state];
  if (process.env['UPDATE_DOCS_SCREENSHOTS'] === '1' && accessible && docsName && locale === 'en-US' && theme === 'light') {
    const docs = path.join(ROOT, 'docs', 'screenshots');
    fs.mkdirSync(docs, { recursive: true });
    fs.copyFileSync(file, path.join(docs, docsName));
  }
}

/**
 * What axe found in the states a test pictured. A test goes on after a finding (so every state still gets its
 * picture and its behaviour checked) and fails at its end, in afterEach.
 */
const accessibilityFailures: string[] = [];
beforeEach(() => {
  accessibilityFailures.length = 0;
});
afterEach(() => {
  if (accessibilityFailures.length > 0) throw new Error(accessibilityFailures.join('\n'));
});

/** The ticket as the server has it (read as the admin). */
async function ticketOnServer(id: number) {
  const res = await server.api<{
    status: string;
    version: number;
    assignee: { id: number; email: string } | null;
    mailbox: string | null;
    requester: { email: string };
    subject: string;
    ccs: { email: string }[];
    comments: { bodyText: string; visibility: string; attachments: { filename: string }[] }[];
  }>(DEMO_ADMIN, 'GET', `/api/tickets/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Emails the support mailbox sent whose text contains `words`. */
const sentWith = async (words: string): Promise<SentEmail[]> => (await server.sent(SUPPORT)).filter((e) => e.text.includes(words));

/** Switches the composer to `mode` and types `text` (the caller picks the send button). */
async function compose(page: Page, mode: 'reply' | 'note', text: string): Promise<void> {
  await page.getByTestId(`composer-mode-${mode}`).click();
  await step(`composer in ${mode} mode`, page.locator(`[data-testid="composer"][data-mode="${mode}"]`).waitFor());
  await page.getByTestId('composer-body').fill(text);
}

/** Waits until the conversation shows a comment of `kind` containing `text`, and the view is saved. */
async function commentShows(page: Page, kind: 'customer' | 'reply' | 'note' | 'system', text: string, timeout = 10_000): Promise<void> {
  await step(`${kind} "${text}" shown`, page.locator(`[data-testid="comment"][data-kind="${kind}"]`, { hasText: text }).waitFor({ timeout }));
  await step('saved', page.locator('[data-testid="ticket-view"][data-sync="saved"]').waitFor());
}

/**
 * Another agent changes the ticket while the pane has a draft, between two of the pane's polls: the pane's
 * reads of the ticket are held back until its own write has been answered, so the write carries the old
 * version (a poll that happened to run in between would make the change known and there would be no conflict).
 */
async function conflictWhileDrafting(page: Page, ticketId: number, draft: string, change: { status: string }): Promise<void> {
  const isTicketRead = (url: URL) => url.pathname === `/api/tickets/${ticketId}`;
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(isTicketRead, async (route) => {
    if (route.request().method() === 'GET') await released;
    await route.continue().catch(() => undefined);
  });
  try {
    await compose(page, 'reply', draft);
    const other = await server.api(DEMO_AGENT_2, 'PATCH', `/api/tickets/${ticketId}`, { body: change });
    expect(other.status).toBe(200);
    await page.getByTestId('composer-send').click();
    await step('conflict banner', page.getByTestId('conflict-banner').waitFor());
  } finally {
    release();
    await page.unroute(isTicketRead);
  }
}

/** True when the focused element is (or is inside) the element with `testid`. */
const focusIsOn = (page: Page, testid: string) =>
  page.evaluate((id) => {
    const active = (globalThis as unknown as PageGlobal).document.activeElement;
    return active !== null && active.closest(`[data-testid="${id}"]`) !== null;
  }, testid);

/** Whether the focus is on a tab of the same tab list as the element with `testid`. */
const focusInTabListOf = (page: Page, testid: string) =>
  page.evaluate((id) => {
    const doc = (globalThis as unknown as PageGlobal).document;
    const target = doc.querySelector(`[data-testid="${id}"]`)?.closest('[role="tablist"]');
    const active = doc.activeElement?.closest('[role="tablist"]');
    return Boolean(target && active && target === active);
  }, testid);

/**
 * Moves the focus to `testid` with the keyboard only, as a keyboard user would: Tab through the page and,
 * inside a tab list (one tab stop, arrow keys between its tabs), the arrow keys.
 */
async function keyboardTo(page: Page, testid: string, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await focusIsOn(page, testid)) return;
    if (await focusInTabListOf(page, testid)) {
      for (let j = 0; j < 8 && !(await focusIsOn(page, testid)); j++) await page.keyboard.press('ArrowRight');
      if (await focusIsOn(page, testid)) return;
      throw new Error(`${testid}: the arrow keys of its tab list never reach it`);
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`${testid} never got the focus in ${maxPresses} presses of Tab\nbrowser log:\n${browser.log.slice(-10).join('\n')}`);
}

const rowIds = async (page: Page): Promise<number[]> => (await page.getByTestId('queue-row').evaluateAll((rows) => rows.map((r) => Number((r as unknown as PageElement).getAttribute('data-ticket-id'))))).sort((a, b) => a - b);

/** The ids GET /api/tickets lists for `query` as the agent (what a queue list must show). */
async function listedIds(query: string): Promise<number[]> {
  const res = await server.api<{ tickets: { id: number }[] }>(DEMO_AGENT, 'GET', `/api/tickets?${query}`);
  expect(res.status).toBe(200);
  return res.body.tickets.map((t) => t.id).sort((a, b) => a - b);
}

/** Waits until the queue shows list `filter` and its rows have loaded (not busy). */
async function queueShows(page: Page, filter: string): Promise<void> {
  // Attached, not visible: an empty list has no height.
  await step(`queue ${filter}`, page.locator(`[data-testid="queue"][data-filter="${filter}"] ul[aria-busy="false"]`).waitFor({ state: 'attached' }));
}

/** Relative luminance (0 black .. 1 white) of the pane's background. */
const backgroundLuminance = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { querySelector(s: string): { parentElement: unknown } | null } };
    // The FluentProvider around <main> paints the theme's background.
    const provider = g.document.querySelector('main')?.parentElement;
    const [r, gr, b] = (g.getComputedStyle(provider).backgroundColor.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).map(Number).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (gr ?? 0) + 0.0722 * (b ?? 0);
  });

test('an agent replies, writes a note for the followers, assigns, and solves; the emails leave with Relaydesk headers', async () => {
  const id = tickets.reply;
  const page = await openPane(mail.reply);
  expect([await page.locator('main').getAttribute('data-locale'), await page.locator('main').getAttribute('data-theme')]).toEqual(['en-US', 'light']);
  await step('ticket state', statusShows(page, 'ticket', mail.reply.internetMessageId));
  await workspaceShows(page, id);
  // The token's app role is Relaydesk.Agent: no Mailboxes tab (admins only).
  expect(await page.getByTestId('tab-mailboxes').count()).toBe(0);
  expect(await page.getByTestId('ticket-number').textContent()).toMatch(new RegExp(`#${id}\\b`));
  expect(await page.getByTestId('ticket-subject').textContent()).toBe(mail.reply.subject);
  expect(await page.getByTestId('ticket-requester').textContent()).toContain(JORDAN.address);
  expect(await page.getByTestId('ticket-mailbox').textContent()).toContain(SUPPORT);
  expect(await page.getByTestId('ticket-ccs').textContent()).toContain(LI_WEI.address);
  await step('customer email in the conversation', page.locator('[data-testid="comment"][data-kind="customer"]').first().waitFor());

  // A public reply goes to the requester and the CCs, and the composer says so before it is sent.
  await compose(page, 'reply', 'We are sending a technician this afternoon.');
  const recipients = await page.getByTestId('composer-recipients').textContent();
  expect(recipients).toContain(JORDAN.address);
  expect(recipients).toContain(LI_WEI.address);
  await page.getByTestId('composer-send').click();
  await commentShows(page, 'reply', 'We are sending a technician this afternoon.');
  expect(await page.getByTestId('composer-body').inputValue()).toBe('');
  await server.relayNow();
  const [reply, ...more] = await sentWith('We are sending a technician this afternoon.');
  expect(more).toHaveLength(0);
  expect(reply).toBeDefined();
  expect({ from: reply!.from, to: reply!.to, cc: reply!.cc, bcc: reply!.bcc }).toEqual({ from: SUPPORT, to: [JORDAN.address], cc: [LI_WEI.address], bcc: [] });
  // Relaydesk also submits Auto-Submitted: auto-generated, but Exchange Online strips that header on submit
  // (the sandbox does as Exchange does), so what reaches the customer carries Exchange's own suppression header.
  expect(reply!.headers['x-auto-response-suppress']).toBe('All');
  expect(reply!.headers['x-mailer']).toBe('Relaydesk Mailer');
  expect(reply!.headers['x-relaydesk-from-account-id']).toBe(String(supportId));
  expect(reply!.headers['x-relaydesk-email-id']).toMatch(/^\d+$/);
  expect(reply!.inReplyTo).toBe(mail.reply.internetMessageId);
  expect(reply!.references).toContain(mail.reply.internetMessageId);

  // An internal note: Lynne follows (another agent added her), so she alone is emailed; never the customer.
  await server.addFollower(id, DEMO_AGENT_2);
  await step('follower shown by the live poll', page.locator('[data-testid="ticket-followers"]', { hasText: DEMO_AGENT_2 }).waitFor({ timeout: LIVE_UPDATE_MS }));
  await compose(page, 'note', 'Toner cartridge is from the recalled batch.');
  expect(await page.getByTestId('composer-recipients').textContent()).toContain(DEMO_AGENT_2);
  await page.getByTestId('composer-send').click();
  await commentShows(page, 'note', 'Toner cartridge is from the recalled batch.');
  await server.relayNow();
  const notes = await sentWith('Toner cartridge is from the recalled batch.');
  expect(notes.map((n) => ({ to: n.to, cc: n.cc, bcc: n.bcc }))).toEqual([{ to: [DEMO_AGENT_2], cc: [], bcc: [] }]);
  expect((await ticketOnServer(id)).comments.find((c) => c.bodyText.includes('Toner cartridge'))?.visibility).toBe('internal');

  // Assign to me, then to another agent with the assignee select.
  await page.getByTestId('assign-me').click();
  await step('assigned to me', page.locator('[data-testid="ticket-assignee"]', { hasText: DEMO_AGENT }).waitFor());
  await step('saved', page.locator('[data-testid="ticket-view"][data-sync="saved"]').waitFor());
  expect((await ticketOnServer(id)).assignee).toMatchObject({ id: alexId, email: DEMO_AGENT });
  expect(await page.getByTestId('assign-me').isDisabled()).toBe(true);
  await page.getByTestId('assignee-select').selectOption(String(lynneId));
  await step('assigned to Lynne', page.locator('[data-testid="ticket-assignee"]', { hasText: DEMO_AGENT_2 }).waitFor());
  await step('saved', page.locator('[data-testid="ticket-view"][data-sync="saved"]').waitFor());
  expect((await ticketOnServer(id)).assignee).toMatchObject({ id: lynneId, email: DEMO_AGENT_2 });

  // Send and set solved: one click, the reply leaves and the ticket is solved.
  await compose(page, 'reply', 'The printer works again; closing this for now.');
  await page.getByTestId('composer-send-solved').click();
  await commentShows(page, 'reply', 'The printer works again; closing this for now.');
  await step('solved', page.locator('[data-testid="ticket-status"][data-status="solved"]').waitFor());
  expect(await page.getByTestId('status-select').inputValue()).toBe('solved');
  expect((await ticketOnServer(id)).status).toBe('solved');
  await server.relayNow();
  expect((await sentWith('The printer works again')).map((e) => e.to)).toEqual([[JORDAN.address]]);
  // The conversation: customer email, two replies, a note.
  await capture(page, 'ticket');
  await page.close();
}, TEST_TIMEOUT);

test('tickets from emails without one: read by the server from a linked mailbox, or copied from Outlook for a mailbox that is not linked', async () => {
  // In the linked support mailbox (opened as a shared folder), not synced yet: the server reads it from Graph.
  const unsynced = await server.deliverEmail(SUPPORT, { from: JORDAN, subject: 'Badge reader at the side door', text: 'My badge no longer opens the side door.' });
  const page = await openPane({ ...unsynced, owner: SUPPORT });
  await step('no ticket yet', statusShows(page, 'no_ticket', unsynced.internetMessageId));
  await capture(page, 'no-ticket');
  const [fromGraph] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/tickets/from-message'), page.getByTestId('create-ticket').click()]);
  expect(fromGraph.status()).toBe(201);
  expect(fromGraph.request().postDataJSON()).toEqual({ internetMessageId: unsynced.internetMessageId, mailbox: SUPPORT });
  expect(await fromGraph.json()).toMatchObject({ created: true, source: 'graph' });
  const graphTicket = await server.ticketOf(unsynced.internetMessageId);
  expect(graphTicket).not.toBeNull();
  await workspaceShows(page, graphTicket!);
  await commentShows(page, 'customer', 'My badge no longer opens the side door.');
  // The next sync finds the email already has its ticket: no second one.
  await server.sync(SUPPORT);
  expect(await server.ticketOf(unsynced.internetMessageId)).toBe(graphTicket);
  expect(await listedIds(`q=${encodeURIComponent('Badge reader at the side door')}`)).toEqual([graphTicket]);

  // In the agent's own mailbox, which Relaydesk does not read: the pane copies the email from Outlook (body,
  // CC, attachment) and the agent names the linked mailbox that answers.
  const csv = Buffer.from('room,reader\nside door,R-17\n');
  const copied: FakeItem = {
    internetMessageId: `<forwarded-${Date.now()}@fabrikam.test>`,
    subject: 'Parking permit for a visitor',
    from: JORDAN,
    receivedAt: new Date().toISOString(),
    to: [{ address: DEMO_AGENT, name: 'Alex Wilber' }],
    cc: [LI_WEI],
    body: { html: '<p>Could you issue a <b>parking permit</b> for our visitor on Friday?</p>', text: 'Could you issue a parking permit for our visitor on Friday?' },
    attachments: [{ id: 'AAMkAtt1', name: 'visitor.csv', contentType: 'text/csv', contentBase64: csv.toString('base64') }],
  };
  await select(page, copied);
  await step('not linked', statusShows(page, 'no_ticket', copied.internetMessageId));
  expect(await page.getByTestId('no-ticket').getAttribute('data-reason')).toBe('mailbox_not_linked');
  await page.getByTestId('create-ticket').click();
  await page.getByTestId('create-ticket-mailbox').fill(SUPPORT);
  await capture(page, 'create-ticket');
  const [fromPane] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/tickets/from-message'), page.getByTestId('create-ticket-submit').click()]);
  expect(fromPane.status()).toBe(201);
  const sentBody = fromPane.request().postDataJSON() as { mailbox?: string; replyMailbox?: string; message?: { bodyText: string; ccs?: { email: string }[]; attachments?: { filename: string; contentBase64: string }[] } };
  expect(sentBody).toMatchObject({ mailbox: DEMO_AGENT, replyMailbox: SUPPORT });
  expect(sentBody.message?.bodyText).toContain('parking permit');
  expect(sentBody.message?.ccs?.map((c) => c.email)).toEqual([LI_WEI.address]);
  expect(sentBody.message?.attachments).toEqual([{ filename: 'visitor.csv', contentType: 'text/csv', contentBase64: csv.toString('base64') }]);
  const created = (await fromPane.json()) as { source: string; ticket: { id: number } };
  expect(created.source).toBe('pane');
  await workspaceShows(page, created.ticket.id);
  const onServer = await ticketOnServer(created.ticket.id);
  expect({ subject: onServer.subject, mailbox: onServer.mailbox, requester: onServer.requester.email, ccs: onServer.ccs.map((c) => c.email) }).toEqual({
    subject: 'Parking permit for a visitor',
    mailbox: SUPPORT,
    requester: JORDAN.address,
    ccs: [LI_WEI.address],
  });
  expect(onServer.comments[0]?.attachments.map((a) => a.filename)).toEqual(['visitor.csv']);
  await step('the file in the conversation', page.locator('[data-testid="comment-attachment"]', { hasText: 'visitor.csv' }).waitFor());
  // No acknowledgement: the customer wrote to someone else, not to the helpdesk.
  await server.relayNow();
  expect((await server.sent(SUPPORT)).filter((e) => e.subject.includes('Parking permit'))).toEqual([]);
  await page.close();
}, TEST_TIMEOUT);

test("another agent's change while the pane has a draft: a conflict banner, the draft kept, then the send succeeds", async () => {
  const id = tickets.conflict;
  const page = await openPane(mail.conflict);
  await workspaceShows(page, id);
  const before = await ticketOnServer(id);
  const draft = 'Please update the VPN client to 7.4 and tell us if it still drops.';
  await conflictWhileDrafting(page, id, draft, { status: 'pending' });
  expect(await page.getByTestId('ticket-view').getAttribute('data-sync')).toBe('conflict');
  expect(await page.getByTestId('composer-body').inputValue()).toBe(draft);
  // The 412 stopped the comment: the server has the other agent's change and nothing of the draft.
  const during = await ticketOnServer(id);
  expect(during.status).toBe('pending');
  expect(during.version).toBe(before.version + 1);
  expect(during.comments.some((c) => c.bodyText.includes('VPN client to 7.4'))).toBe(false);
  await capture(page, 'conflict');

  await page.getByTestId('conflict-reload').click();
  await step('banner gone', page.getByTestId('conflict-banner').waitFor({ state: 'detached' }));
  await step('the other change shown', page.locator('[data-testid="ticket-status"][data-status="pending"]').waitFor());
  expect(await page.getByTestId('composer-body').inputValue()).toBe(draft);
  await page.getByTestId('composer-send').click();
  await commentShows(page, 'reply', 'VPN client to 7.4');
  const after = await ticketOnServer(id);
  expect(after.comments.filter((c) => c.bodyText.includes('VPN client to 7.4'))).toHaveLength(1);
  expect(after.status).toBe('pending');
  await page.close();
}, TEST_TIMEOUT);

test('the queue by keyboard alone: lists, search, open a ticket, change its status, back', async () => {
  // Queue A is the agent's, B and C are nobody's.
  const assigned = await server.api(DEMO_ADMIN, 'PATCH', `/api/tickets/${tickets.queueA}`, { body: { assigneeId: alexId } });
  expect(assigned.status).toBe(200);
  const page = await openPane(null);
  await step('nothing selected', statusShows(page, 'nothing_selected'));

  await keyboardTo(page, 'tab-queue');
  await page.keyboard.press('Enter');
  await queueShows(page, 'mine');
  expect(await rowIds(page)).toEqual(await listedIds('assignee=me&status=new,open,pending,hold'));
  expect(await rowIds(page)).toContain(tickets.queueA);

  await keyboardTo(page, 'queue-filter-unassigned');
  await page.keyboard.press('Enter');
  await queueShows(page, 'unassigned');
  const unassigned = await rowIds(page);
  expect(unassigned).toEqual(await listedIds('assignee=none&status=new,open'));
  expect(unassigned).toEqual(expect.arrayContaining([tickets.queueB, tickets.queueC]));
  expect(unassigned).not.toContain(tickets.queueA);

  await keyboardTo(page, 'queue-filter-open');
  await page.keyboard.press('Space');
  await queueShows(page, 'open');
  expect(await rowIds(page)).toEqual(await listedIds('status=new,open,pending,hold'));
  // The queue's picture: every open ticket.
  await capture(page, 'queue');

  await keyboardTo(page, 'queue-search');
  await page.keyboard.type(QUEUE_WORD);
  await page.keyboard.press('Enter');
  await queueShows(page, 'search');
  expect(await rowIds(page)).toEqual([tickets.queueA, tickets.queueB, tickets.queueC].sort((a, b) => a - b));
  await capture(page, 'queue-search');

  // Open B from the list, set it to pending with the arrow keys of the status select, and go back.
  const before = await ticketOnServer(tickets.queueB);
  await keyboardTo(page, 'queue-search');
  for (let i = 0; i < 10 && !(await focusRowOf(page, tickets.queueB)); i++) await page.keyboard.press('Tab');
  expect(await focusRowOf(page, tickets.queueB)).toBe(true);
  await page.keyboard.press('Enter');
  await workspaceShows(page, tickets.queueB);
  await keyboardTo(page, 'status-select');
  const current = await page.getByTestId('status-select').inputValue();
  expect(current).toBe(before.status);
  // The select lists the statuses in order (new, open, pending...): ArrowDown until pending.
  for (let i = 0; i < 5 && (await page.getByTestId('status-select').inputValue()) !== 'pending'; i++) await page.keyboard.press('ArrowDown');
  await step('pending', page.locator('[data-testid="ticket-status"][data-status="pending"]').waitFor());
  await step('saved', page.locator('[data-testid="ticket-view"][data-sync="saved"]').waitFor());
  expect((await ticketOnServer(tickets.queueB)).status).toBe('pending');

  await keyboardTo(page, 'queue-back', 120);
  await page.keyboard.press('Enter');
  await queueShows(page, 'search');
  // The list is the one the agent left, reloaded: B now says pending.
  expect(await rowIds(page)).toEqual([tickets.queueA, tickets.queueB, tickets.queueC].sort((a, b) => a - b));
  expect(await page.locator(`[data-testid="queue-row"][data-ticket-id="${tickets.queueB}"]`).getAttribute('aria-label')).toMatch(/pending/i);
  await page.close();
}, TEST_TIMEOUT);

/** Whether the focus is on the queue row of `ticketId`. */
const focusRowOf = (page: Page, ticketId: number) =>
  page.evaluate((id) => (globalThis as unknown as PageGlobal).document.activeElement?.getAttribute('data-ticket-id') === String(id), ticketId);

test('a new customer email on the open ticket appears within 5 s, without a reload', async () => {
  const id = tickets.live;
  const page = await openPane(mail.live);
  await workspaceShows(page, id);
  // An agent's reply that the customer will answer (sent through the API, as from another client).
  const replied = await server.api(DEMO_AGENT, 'POST', `/api/tickets/${id}/comments`, { body: { body: 'Could you send a screenshot of the error?', visibility: 'public' } });
  expect(replied.status).toBe(201);
  await server.relayNow();
  const [ours] = await sentWith('Could you send a screenshot of the error?');
  expect(ours).toBeDefined();
  await commentShows(page, 'reply', 'Could you send a screenshot of the error?', LIVE_UPDATE_MS);

  // A marker on the page's window: a reload would lose it.
  await page.evaluate(() => void ((globalThis as unknown as { __notReloaded: boolean }).__notReloaded = true));
  const requests: Request[] = [];
  page.on('request', (r) => void (r.resourceType() === 'document' && requests.push(r)));
  await server.customerReplies(SUPPORT, ours!, 'Here it is: error 0x80070005 when opening it.');
  await server.sync(SUPPORT);
  const arrived = Date.now();
  await commentShows(page, 'customer', 'error 0x80070005', LIVE_UPDATE_MS);
  expect(Date.now() - arrived).toBeLessThan(LIVE_UPDATE_MS);
  expect(await page.evaluate(() => (globalThis as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
  expect(requests).toHaveLength(0);
  await page.close();
}, TEST_TIMEOUT);

test("open-original shows the ticket's first email in Outlook's own window (displayMessageForm with its EWS id)", async () => {
  const page = await openPane(mail.queueC);
  await workspaceShows(page, tickets.queueC);
  await step('open-original offered', page.getByTestId('open-original').waitFor());
  await page.getByTestId('open-original').click();
  // Outlook's REST ids are URL-safe base64 and EWS ids standard base64: the fake host converts as Outlook does.
  const ews = mail.queueC.restId!.replace(/-/g, '/').replace(/_/g, '+');
  await step('displayMessageForm called', page.waitForFunction(() => (globalThis as unknown as PageGlobal).__fakeOutlook.displayedForms().length > 0));
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).__fakeOutlook.displayedForms())).toEqual([ews]);
  await page.close();
}, TEST_TIMEOUT);

// The flows above pictured every state in en-US light; the other languages and themes here.
const OTHER_LOOKS = LOCALES.flatMap((locale) => THEMES.map((theme) => [locale, theme] as const)).filter(([l, t]) => l !== 'en-US' || t !== 'light');

describe.each(OTHER_LOOKS)('every state in %s, %s', (locale: Locale, theme: Theme) => {
  test('ticket, conflict, no ticket, create ticket, queue, search: translated, themed, accessible, pictured', async () => {
    const page = await openPane(mail.reply, { language: locale, theme });
    expect(await page.locator('main').getAttribute('data-locale')).toBe(locale);
    expect(await page.locator('main').getAttribute('data-theme')).toBe(theme);
    // Outlook's dark theme darkens the pane; its light theme keeps it light.
    const luminance = await backgroundLuminance(page);
    if (theme === 'dark') expect(luminance).toBeLessThan(0.2);
    else expect(luminance).toBeGreaterThan(0.8);
    await workspaceShows(page, tickets.reply);
    // By accessible name: a Fluent tab also holds a hidden copy of its label (to reserve the bold width).
    expect(await page.getByRole('tab', { name: paneCatalog[locale]['pane.tab.queue'], exact: true }).getAttribute('data-testid')).toBe('tab-queue');
    expect(await page.getByTestId('composer-send').textContent()).toBe(composerCatalog[locale]['composer.send']);
    await capture(page, 'ticket');

    await select(page, mail.conflict);
    await workspaceShows(page, tickets.conflict);
    const status = (await ticketOnServer(tickets.conflict)).status === 'pending' ? 'open' : 'pending';
    await conflictWhileDrafting(page, tickets.conflict, `Draft ${locale} ${theme}`, { status });
    await capture(page, 'conflict');
    await page.getByTestId('conflict-reload').click();
    await step('banner gone', page.getByTestId('conflict-banner').waitFor({ state: 'detached' }));

    const unknown = `<states-${locale}-${theme}@fabrikam.test>`;
    await select(page, { internetMessageId: unknown, subject: 'Monitor flickers', from: JORDAN, receivedAt: new Date().toISOString(), body: { text: 'The monitor flickers.' } });
    await step('no ticket', statusShows(page, 'no_ticket', unknown));
    await capture(page, 'no-ticket');
    await page.getByTestId('create-ticket').click();
    await page.getByTestId('create-ticket-mailbox').fill(SUPPORT);
    await capture(page, 'create-ticket');

    await page.getByTestId('tab-queue').click();
    await queueShows(page, 'mine');
    await page.getByTestId('queue-filter-open').click();
    await queueShows(page, 'open');
    await capture(page, 'queue');
    await page.getByTestId('queue-search').fill(QUEUE_WORD);
    await page.getByTestId('queue-search').press('Enter');
    await queueShows(page, 'search');
    expect(await rowIds(page)).toEqual([tickets.queueA, tickets.queueB, tickets.queueC].sort((a, b) => a - b));
    await capture(page, 'queue-search');
    await page.close();
  }, TEST_TIMEOUT);
});

// Runs last: every page above ran under the add-in's Content-Security-Policy.
test('no page broke its Content-Security-Policy', () => {
  expect(cspViolations).toEqual([]);
});
