import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import webpack from 'webpack';
import { DemoMailGenerator, startSandbox, type RunningSandbox } from '../../../server/sandbox';
import type { Store } from '../../../server/store/store';
import { createRelaydesk } from '../../../server/wiring';
import { openTestStore } from '../../support/database';
import { testConfig } from '../../support/test-config';

/**
 * The add-in against the real server in sandbox mode, as `npm start` runs it with no Microsoft app configured:
 * the Exchange Online sandbox with its demo tenant, Relaydesk's app (createApp) over HTTPS with the sandbox's
 * localhost certificate, and the add-in routes in front of it (as app.ts mounts them). Shared by the browser
 * suite and the `addin` benchmark scenario.
 */

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEMO_ADMIN = 'admin@contoso.test';
export const DEMO_AGENT = 'alex@contoso.test';
export const SUPPORT = 'support@contoso.test';

/** Builds the add-in with webpack's Node API (production mode, as `npm run build:addin`) into `outDir`. */
export function buildAddin(outDir: string, publicOrigin = 'https://localhost:3000'): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const configure = require(path.join(ROOT, 'webpack.config.js')) as (env: Record<string, string>, argv: Record<string, string>) => webpack.Configuration;
  const compiler = webpack(configure({ outDir, publicOrigin }, { mode: 'production' }));
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => undefined);
      if (error) return reject(error);
      if (stats?.hasErrors()) return reject(new Error(`webpack failed:\n${stats.toString('errors-only')}`));
      resolve();
    });
  });
}

/** Every JS file the task pane page loads before any script runs (from build-info.json). */
export function initialScripts(distDir: string): string[] {
  const info = JSON.parse(fs.readFileSync(path.join(distDir, 'build-info.json'), 'utf8')) as { initialScripts: string[] };
  return info.initialScripts.map((f) => path.join(distDir, f));
}

/** What a selected email looks like to the fake Outlook host. */
export interface FakeItem {
  internetMessageId: string;
  subject: string;
  from: { address: string; name: string };
  receivedAt: string;
}

export interface PaneServer {
  origin: string;
  sandbox: RunningSandbox;
  store: Store;
  /** Links a sandbox mailbox without a browser (API + the consent page's automation shortcut), as an admin would. */
  linkMailbox(address: string): Promise<void>;
  /** Delivers a demo email into a sandbox mailbox and returns it as the fake host will show it. */
  deliver(address: string, kind: 'question' | 'auto-reply' | 'cc'): Promise<FakeItem>;
  /** Runs one sync of a linked mailbox now. */
  sync(address: string): Promise<void>;
  /** Creates a sandbox mailbox (and its user) that is not linked yet. */
  createMailbox(address: string): Promise<void>;
  close(): Promise<void>;
}

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startPaneServer(distDir: string): Promise<PaneServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-addin-e2e-'));
  const sandbox = await startSandbox({ dataDir, port: 0, seedDemo: true, logger: silent });
  const { store, cleanup } = await openTestStore();

  // Listen first: every URL the app hands out (redirect URI, manifest, the callback's postMessage target) needs the port.
  let handler: express.Express | undefined;
  const server = https.createServer({ cert: sandbox.localhostTls.certPem, key: sandbox.localhostTls.keyPem }, (req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `https://localhost:${(server.address() as AddressInfo).port}`;

  const { config } = testConfig({
    DATA_DIR: dataDir,
    PUBLIC_ORIGIN: origin,
    ADDIN_DIR: distDir,
    OFFICE_JS_URL: `${origin}/addin/office.js`,
    MESSAGE_ID_DOMAIN: 'relaydesk.localhost',
    INSTANCE_ID: 'addin-e2e',
  });
  // Nothing runs on its own here: each test syncs when it delivered mail (sync()).
  const rd = await createRelaydesk(config, { store, sandbox, scheduler: { intervalMs: 60_000, leaseMs: 10_000, maxConcurrent: 2 } });
  const { app, scheduler } = rd;
  handler = app;

  const control = async <T>(method: string, pathname: string, body?: unknown, type = 'application/json'): Promise<T> => {
    const res = await fetch(`${sandbox.baseUrl}${pathname}`, { method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? null : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`sandbox ${method} ${pathname}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const generators = new Map<string, DemoMailGenerator>();

  return {
    origin,
    sandbox,
    store,
    async createMailbox(address) {
      await control('POST', '/sandbox/mailboxes', { address });
    },
    async linkMailbox(address) {
      const { access_token: token } = await control<{ access_token: string }>('POST', '/sandbox/tokens', { upn: DEMO_ADMIN, audience: sandbox.app.apiAudience });
      const started = await fetch(`${origin}/api/mailboxes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ address }) });
      if (started.status !== 201) throw new Error(`linking ${address}: ${started.status} ${await started.text()}`);
      const authorize = new URL(((await started.json()) as { authorizeUrl: string }).authorizeUrl);
      authorize.searchParams.set('sandbox_user', address);
      authorize.searchParams.set('sandbox_consent', 'accept');
      const consent = await fetch(authorize, { redirect: 'manual' });
      const location = consent.headers.get('location');
      if (consent.status !== 302 || !location?.startsWith(`${origin}/oauth/callback?`)) throw new Error(`consent for ${address}: ${consent.status} ${location ?? ''}`);
      const done = await fetch(location);
      if (done.status !== 200) throw new Error(`callback for ${address}: ${done.status} ${await done.text()}`);
    },
    async deliver(address, kind) {
      let generator = generators.get(address);
      if (!generator) generators.set(address, (generator = new DemoMailGenerator({ to: address, seed: 7 })));
      const mail = await generator.next(kind);
      const delivered = await control<{ internetMessageId: string }>('POST', `/sandbox/mailboxes/${address}/deliver`, mail.mime, 'message/rfc822');
      return { internetMessageId: delivered.internetMessageId, subject: mail.subject, from: mail.from, receivedAt: new Date().toISOString() };
    },
    async sync(address) {
      const row = await store.mailboxes.findByAddress(address);
      if (!row) throw new Error(`${address} is not linked`);
      await scheduler.syncNow(row.id);
    },
    async close() {
      await rd.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sandbox.close();
      await cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The fake Outlook host (./fake-office-host.js), injected before any page script in every page of `context`. */
export async function installFakeOutlook(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: fs.readFileSync(path.join(__dirname, 'fake-office-host.js'), 'utf8') });
  // Microsoft's office.js would replace the fake in the pages it acts in (the pane, and pages inside its
  // dialogs); every other page (a pane opened outside Outlook, the consent popup's callback) gets the real one.
  await context.route('**/addin/office.js', async (route) => {
    const page = route.request().frame().page();
    const pane = (p: Page | null) => p !== null && new URL(p.url()).searchParams.has('fake-outlook');
    if (pane(page) || (pane(await page.opener()) && (await isFakeDialog(page)))) {
      await route.fulfill({ status: 200, contentType: 'text/javascript', body: '/* office.js: the test injects a fake Outlook host */' });
    } else {
      await route.continue();
    }
  });
}

/** Whether `page` is a window the fake host opened as an Office dialog (its init script gave it Office.context.ui.messageParent). */
async function isFakeDialog(page: Page): Promise<boolean> {
  return page
    .evaluate(() => {
      const office = (globalThis as unknown as { Office?: { context?: { ui?: { messageParent?: unknown } } } }).Office;
      return typeof office?.context?.ui?.messageParent === 'function';
    })
    .catch(() => false);
}

/** The fake host's remote control in the pane (see fake-office-host.js). */
export interface FakeOutlookControl {
  select(item: FakeItem | null): number;
  handlerCount(): number;
  dialogs(): { url: string; closed: boolean; messages: string[] }[];
}

/** The task pane URL with the fake Outlook host active: `user` signed in to Outlook, `item` selected (null: none). */
export function paneUrl(origin: string, config: { user: string; item: FakeItem | null }): string {
  return `${origin}/addin/taskpane.html?fake-outlook=${encodeURIComponent(JSON.stringify(config))}`;
}

/** Waits until the status view shows `state` for `messageId` ('' for states without an item). */
export async function statusShows(page: Page, state: string, messageId = '', timeout = 15_000): Promise<void> {
  await page.locator(`[data-testid="status"][data-state="${state}"][data-message-id="${messageId.replace(/"/g, '\\"')}"]`).waitFor({ timeout });
}

/**
 * Signs in from the pane: clicks Sign in, picks `upn` on the sandbox's real consent page in the popup, Accept.
 * msal-browser's popup ends on the pane's redirect page (the redirect bridge).
 */
export async function signInFromPane(context: BrowserContext, pane: Page, upn: string): Promise<void> {
  const [popup] = await Promise.all([context.waitForEvent('page'), pane.getByTestId('sign-in').click()]);
  await popup.locator('#accept').waitFor();
  await popup.selectOption('#sandbox_user', upn);
  await popup.click('#accept');
}
