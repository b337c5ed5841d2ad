import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import { simpleParser, type AddressObject } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import webpack from 'webpack';
import { DEMO, DemoMailGenerator, startSandbox, type RunningSandbox } from '../../../server/sandbox';
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
/** The demo tenant's second agent: the colleague who changes a ticket under the pane, or follows it. */
export const DEMO_AGENT_2 = 'lynne@contoso.test';
export const SUPPORT = 'support@contoso.test';

/**
 * The sandbox's demo users and the Relaydesk app role each has in the directory (server/sandbox/demo-tenant.ts):
 * the sandbox puts a user's app roles in every token it issues for Relaydesk's API, and the server takes the
 * role from there. Sign in as any of them with signInFromPane; call the API as any of them with PaneServer.api.
 */
export const DEMO_USERS: readonly { upn: string; name: string; role: 'admin' | 'agent' }[] = [
  { upn: DEMO.admin.upn, name: DEMO.admin.displayName, role: 'admin' },
  ...DEMO.agents.map((a) => ({ upn: a.upn, name: a.displayName, role: 'agent' as const })),
];

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

/** An address as the fake Outlook host takes it (item.from, item.to, item.cc). */
export interface FakeAddress {
  address: string;
  name: string;
}

/** What a selected email looks like to the fake Outlook host (see fake-office-host.js for every field). */
export interface FakeItem {
  internetMessageId: string;
  subject: string;
  from: FakeAddress;
  receivedAt: string;
  to?: FakeAddress[];
  cc?: FakeAddress[];
  /** What item.body.getAsync answers (Html / Text); the missing one is derived from the other. */
  body?: { html?: string; text?: string };
  /** item.attachments; getAttachmentContentAsync answers contentBase64 in base64 format. */
  attachments?: { id: string; name: string; contentType: string; contentBase64: string; isInline?: boolean }[];
  /** Graph's id of the message: item.itemId is its EWS form, as Outlook converts it. */
  restId?: string;
  /** The shared mailbox the item is in (getSharedPropertiesAsync answers it); absent: the user's own mailbox. */
  owner?: string;
}

/** The fake host's config in the pane URL. */
export interface FakeOutlookConfig {
  /** Outlook's signed-in user (Office.context.mailbox.userProfile). */
  user: string;
  item: FakeItem | null;
  /** Office.context.displayLanguage; default en-US. */
  language?: string;
  /** Office.context.officeTheme as Outlook gives it in its light or dark theme; default light. */
  theme?: 'light' | 'dark';
}

/** An email a customer writes, for deliverEmail. */
export interface NewEmail {
  from: FakeAddress;
  subject: string;
  text: string;
  html?: string;
  cc?: FakeAddress[];
  attachments?: { filename: string; contentType: string; content: Buffer }[];
}

/** An answer of Relaydesk's API: status, ETag (the ticket version in quotes) and the parsed JSON body. */
export interface ApiResponse<T> {
  status: number;
  etag: string | null;
  body: T;
}

/** One email a sandbox mailbox sent (the control API's sent log), parsed. */
export interface SentEmail {
  internetMessageId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  inReplyTo: string | null;
  references: string[];
  /** Header names lower-cased, values as text. */
  headers: Record<string, string>;
}

export interface PaneServer {
  origin: string;
  sandbox: RunningSandbox;
  store: Store;
  /** Links a sandbox mailbox without a browser (API + the consent page's automation shortcut), as an admin would. */
  linkMailbox(address: string): Promise<void>;
  /** Delivers a demo email into a sandbox mailbox and returns it as the fake host will show it. */
  deliver(address: string, kind: 'question' | 'auto-reply' | 'cc' | 'html' | 'attachment'): Promise<FakeItem>;
  /** Delivers an email the test writes (unique subjects make searches and assertions exact) into `address`. */
  deliverEmail(address: string, email: NewEmail): Promise<FakeItem>;
  /** Delivers raw MIME into a sandbox mailbox's inbox; returns its Message-ID and Graph id. */
  deliverMime(address: string, mime: Buffer | string): Promise<{ internetMessageId: string; restId: string }>;
  /** The customer who received `email` answers it (In-Reply-To and References to it) into `address`. */
  customerReplies(address: string, email: SentEmail, text: string): Promise<FakeItem>;
  /** Runs one sync of a linked mailbox now. */
  sync(address: string): Promise<void>;
  /** Creates a sandbox mailbox (and its user) that is not linked yet. */
  createMailbox(address: string): Promise<void>;
  /** An access token for Relaydesk's API as `upn`, with the app roles the directory gives that user. */
  tokenFor(upn: string): Promise<string>;
  /** Calls Relaydesk's API as `upn` (another agent than the pane's, say); `ifMatch` sends If-Match: "<version>". */
  api<T = unknown>(upn: string, method: string, pathname: string, options?: { body?: unknown; ifMatch?: number }): Promise<ApiResponse<T>>;
  /** The staff id of `upn` (GET /api/me as that user, which creates the staff row on first use). */
  staffId(upn: string): Promise<number>;
  /** `by` adds `follower` as a follower of the ticket (POST /api/tickets/:id/followers). */
  addFollower(ticketId: number, follower: string, by?: string): Promise<void>;
  /** The ticket an ingested email became (null: none, or not ingested). */
  ticketOf(internetMessageId: string): Promise<number | null>;
  /** Every email `address` sent through the sandbox, oldest first (submitted ones included). */
  sent(address: string): Promise<SentEmail[]>;
  /** Sends every queued email now (the relay's rounds until none is due); resolves with how many rows it handled. */
  relayNow(): Promise<number>;
  close(): Promise<void>;
}

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startPaneServer(distDir: string): Promise<PaneServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-addin-e2e-'));
  // Short send delays: the suite reads the sent log right after the relay handed an email over.
  const sandbox = await startSandbox({ dataDir, port: 0, seedDemo: true, logger: silent, outboxDelayMs: 0, sentItemsDelayMs: 50 });
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
  // Nothing runs on its own here: each test syncs when it delivered mail (sync()) and sends the queued email
  // when it wants it out (relayNow()): createRelaydesk's relay and scheduler only run after rd.start().
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
  const generatorFor = (address: string): DemoMailGenerator => {
    let generator = generators.get(address);
    if (!generator) generators.set(address, (generator = new DemoMailGenerator({ to: address, seed: 7 })));
    return generator;
  };
  const deliverMime = async (address: string, mime: Buffer | string) => {
    const delivered = await control<{ id: string; internetMessageId: string }>('POST', `/sandbox/mailboxes/${encodeURIComponent(address)}/deliver`, typeof mime === 'string' ? Buffer.from(mime, 'utf8') : mime, 'message/rfc822');
    return { internetMessageId: delivered.internetMessageId, restId: delivered.id };
  };
  // Tokens live an hour; one per user is enough for a suite.
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (upn: string): Promise<string> => {
    let token = tokens.get(upn);
    if (!token) {
      token = control<{ access_token: string }>('POST', '/sandbox/tokens', { upn, audience: sandbox.app.apiAudience }).then((t) => t.access_token);
      tokens.set(upn, token);
    }
    return token;
  };
  const api = async <T>(upn: string, method: string, pathname: string, options: { body?: unknown; ifMatch?: number } = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${await tokenFor(upn)}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    const res = await fetch(`${origin}${pathname}`, { method, headers, body: options.body === undefined ? null : JSON.stringify(options.body) });
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag'), body: (text ? JSON.parse(text) : undefined) as T };
  };
  const staffId = async (upn: string): Promise<number> => {
    const me = await api<{ id: number }>(upn, 'GET', '/api/me');
    if (me.status !== 200) throw new Error(`GET /api/me as ${upn}: ${me.status} ${JSON.stringify(me.body)}`);
    return me.body.id;
  };

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
      const mail = await generatorFor(address).next(kind);
      const delivered = await deliverMime(address, mail.mime);
      const parsed = await simpleParser(mail.mime);
      return {
        internetMessageId: delivered.internetMessageId,
        subject: mail.subject,
        from: mail.from,
        receivedAt: new Date().toISOString(),
        to: peopleOf(parsed.to),
        cc: peopleOf(parsed.cc),
        body: { text: parsed.text ?? '', ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}) },
        restId: delivered.restId,
      };
    },
    deliverMime,
    async deliverEmail(address, email) {
      const messageId = `<${randomUUID()}@${email.from.address.split('@')[1] ?? 'customer.test'}>`;
      const mime = await new MailComposer({
        from: { name: email.from.name, address: email.from.address },
        to: address,
        ...(email.cc?.length ? { cc: email.cc.map((c) => ({ name: c.name, address: c.address })) } : {}),
        subject: email.subject,
        text: email.text,
        ...(email.html ? { html: email.html } : {}),
        ...(email.attachments?.length ? { attachments: email.attachments } : {}),
        messageId,
        date: new Date(),
      })
        .compile()
        .build();
      const delivered = await deliverMime(address, mime);
      return {
        internetMessageId: delivered.internetMessageId,
        subject: email.subject,
        from: email.from,
        receivedAt: new Date().toISOString(),
        to: [{ address, name: address }],
        cc: email.cc ?? [],
        body: { text: email.text, ...(email.html ? { html: email.html } : {}) },
        attachments: (email.attachments ?? []).map((a, i) => ({ id: `AAMkAttachment${i + 1}`, name: a.filename, contentType: a.contentType, contentBase64: a.content.toString('base64') })),
        restId: delivered.restId,
      };
    },
    async customerReplies(address, email, text) {
      const customer = email.to[0];
      if (!customer) throw new Error(`${email.internetMessageId} went to nobody`);
      // As a mail client answers: Re: subject, In-Reply-To our Message-ID, References the thread so far.
      const subject = /^re:/i.test(email.subject) ? email.subject : `Re: ${email.subject}`;
      const messageId = `<${randomUUID()}@${customer.split('@')[1] ?? 'customer.test'}>`;
      const mime = await new MailComposer({ from: customer, to: address, subject, text, messageId, inReplyTo: email.internetMessageId, references: [...email.references, email.internetMessageId].join(' '), date: new Date() }).compile().build();
      const delivered = await deliverMime(address, mime);
      return { internetMessageId: delivered.internetMessageId, subject, from: { address: customer, name: customer }, receivedAt: new Date().toISOString(), body: { text }, restId: delivered.restId };
    },
    async sync(address) {
      const row = await store.mailboxes.findByAddress(address);
      if (!row) throw new Error(`${address} is not linked`);
      await scheduler.syncNow(row.id);
    },
    tokenFor,
    api,
    staffId,
    async addFollower(ticketId, follower, by = DEMO_ADMIN) {
      const added = await api(by, 'POST', `/api/tickets/${ticketId}/followers`, { body: { userId: await staffId(follower) } });
      if (added.status !== 201) throw new Error(`adding ${follower} as a follower of #${ticketId}: ${added.status} ${JSON.stringify(added.body)}`);
    },
    async ticketOf(internetMessageId) {
      const row = (await store.mailMessages.findByMessageIds([internetMessageId])).find((m) => m.ticket_id !== null);
      return row?.ticket_id ?? null;
    },
    async sent(address) {
      const log = await control<{ internetMessageId: string; mime: string }[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(address)}/sent`);
      return Promise.all(log.map((r) => parseSent(r.internetMessageId, r.mime)));
    },
    async relayNow() {
      let handled = 0;
      for (let n = await rd.relay.runOnce(); n > 0; n = await rd.relay.runOnce()) handled += n;
      return handled;
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

function peopleOf(field: AddressObject | AddressObject[] | undefined): FakeAddress[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((o) => o.value).flatMap((v) => (v.address ? [{ address: v.address.toLowerCase(), name: v.name || v.address }] : []));
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  return peopleOf(field).map((p) => p.address);
}

async function parseSent(internetMessageId: string, mime: string): Promise<SentEmail> {
  const parsed = await simpleParser(Buffer.from(mime, 'utf8'));
  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines) headers[line.key.toLowerCase()] = line.line.slice(line.line.indexOf(':') + 1).trim();
  const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
  return {
    internetMessageId,
    from: addressesOf(parsed.from)[0] ?? '',
    to: addressesOf(parsed.to),
    cc: addressesOf(parsed.cc),
    bcc: addressesOf(parsed.bcc),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    inReplyTo: parsed.inReplyTo ?? null,
    references,
    headers,
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
  /** Every item id the pane opened with displayMessageForm. */
  displayedForms(): string[];
  dialogs(): { url: string; closed: boolean; messages: string[] }[];
}

/** The task pane URL with the fake Outlook host active: `user` signed in to Outlook, `item` selected (null: none). */
export function paneUrl(origin: string, config: FakeOutlookConfig): string {
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

/**
 * Awaits a browser wait; on failure, throws with Chromium's last log lines. The pane's URLs carry the fake
 * host's whole config, so only their path is kept in the log.
 */
export async function browserStep<T>(log: readonly string[], what: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    const lines = log.slice(-30).map((line) => line.replace(/\?fake-outlook=[^\]]*/, ''));
    throw new Error(`${what}: ${String(err)}\nbrowser log:\n${lines.join('\n')}`);
  }
}
