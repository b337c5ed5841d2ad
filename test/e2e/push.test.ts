import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { PushSettings } from '../../server/inbound/push/push-settings';
import type { MailboxRow } from '../../server/store/schema';
import { Store } from '../../server/store/store';
import { createRelaydesk, type Relaydesk } from '../../server/wiring';
import { openTestStore, POSTGRES_URL, withPostgres } from '../support/database';
import { freePort, newSecretKey, ServerFleet, sleep, type RelaydeskServer } from '../support/processes/relaydesk-server';
import { eventually, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { testConfig } from '../support/test-config';

// Graph change notifications as the main path for new mail: the server subscribes each linked Inbox (the
// sandbox validates the https webhook as Graph does), a notification makes the mailbox due at once, and the
// poll is only the safety net. Polling is set to ten minutes here, so only push can explain a ticket.

const DATABASE_URL = POSTGRES_URL;
const TEN_MINUTES = String(600_000);
jest.setTimeout(90_000);

let sandbox: TestSandbox;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await sandbox?.close();
});

interface SandboxSubscription {
  id: string;
  resource: string;
  mailbox: string;
  expirationDateTime: string;
  creatorId: string;
  renewals: { at: string; by: string }[];
}

const subscriptionsAt = async (address: string): Promise<SandboxSubscription[]> =>
  (await sandbox.control.call<SandboxSubscription[]>('GET', '/subscriptions')).body.filter((s) => s.mailbox.toLowerCase() === address.toLowerCase());

interface Instance {
  rd: Relaydesk;
  origin: string;
  metricsPort: number;
  logs: Record<string, unknown>[];
}

/** A Relaydesk in this process, serving https on localhost (the sandbox CA), with its own captured log. */
async function startInstance(store: Store, options: { env?: Record<string, string>; push?: Partial<PushSettings>; instanceId?: string } = {}): Promise<Instance> {
  const port = await freePort();
  const origin = `https://localhost:${port}`;
  const { config, removeDataDir } = testConfig({
    PORT: String(port),
    PUBLIC_ORIGIN: origin,
    OAUTH_REDIRECT_URI: `${origin}/oauth/callback`,
    SYNC_INTERVAL_MS: TEN_MINUTES,
    PUSH_CHECK_INTERVAL_MS: TEN_MINUTES,
    PUSH_DEBOUNCE_MS: '200',
    PUSH_RETRY_MS: '2000',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    INSTANCE_ID: options.instanceId ?? `push-${process.pid}-${port}`,
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const rd = await createRelaydesk(config, { store, sandbox: sandbox.sandbox, logger, ...(options.push ? { push: options.push } : {}) });
  closers.push(async () => {
    await rd.close();
    removeDataDir();
  });
  const started = await rd.start();
  return { rd, origin, metricsPort: started.metricsPort ?? 0, logs };
}

/** Links through the server's own API and consent, as an admin does; the first sync runs at once. */
async function link(instance: { origin: string; port?: number }, store: Store, address: string): Promise<MailboxRow> {
  await sandbox.control.createMailbox(address);
  const admin = 'push-admin@contoso.test';
  await sandbox.control.createUser({ upn: admin, roles: ['Relaydesk.Admin'] });
  const token = await sandbox.control.token({ upn: admin, audience: sandbox.sandbox.app.apiAudience });
  const started = await fetch(`${instance.origin}/api/mailboxes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ address }) });
  const body = (await started.json()) as { authorizeUrl: string };
  if (started.status !== 201) throw new Error(`linking ${address}: ${started.status} ${JSON.stringify(body)}`);
  const authorize = new URL(body.authorizeUrl);
  authorize.searchParams.set('sandbox_user', address);
  authorize.searchParams.set('sandbox_consent', 'accept');
  const consent = await fetch(authorize, { redirect: 'manual' });
  await consent.arrayBuffer();
  const redirect = new URL(consent.headers.get('location') ?? '');
  const done = await fetch(`${instance.origin}/oauth/callback${redirect.search}`);
  if (done.status !== 200) throw new Error(`linking ${address}: ${done.status} ${(await done.text()).slice(0, 300)}`);
  const row = await store.mailboxes.findByAddress(address);
  if (!row) throw new Error(`${address} vanished`);
  return row;
}

let sequence = 0;
function mail(address: string, tag: string): { mime: string; messageId: string } {
  sequence++;
  const messageId = `<push-${tag}-${sequence}-${randomBytes(4).toString('hex')}@customers.example>`;
  const mime = [`From: Customer ${sequence} <customer${sequence}@customers.example>`, `To: ${address}`, `Subject: push ${tag} ${sequence}`, `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, 'Content-Type: text/plain; charset=utf-8', '', `Hello (${tag}).`, ''].join('\r\n');
  return { mime, messageId };
}

/** Waits until no sync is asked for and the last one has stopped moving for a while. */
async function atRest(store: Store, mailboxId: number): Promise<void> {
  let last: string | null | undefined;
  await eventually(async () => {
    const row = await store.mailboxes.findById(mailboxId);
    const quiet = row?.sync_requested_at === null && row.lease_owner === null && row.last_sync_at === last;
    last = row?.last_sync_at;
    if (!quiet) await sleep(300);
    return quiet ? true : undefined;
  }, 15_000);
}

/** Records of the message (any disposition): exactly one when it was ticketed once. */
const recordsOf = (store: Store, messageId: string) => store.mailMessages.findByMessageIds([messageId]);
const ticketed = async (store: Store, messageId: string) => ((await recordsOf(store, messageId)).length > 0 ? true : undefined);

describe('push on one instance', () => {
  let store: Store;
  let instance: Instance;
  let mailbox: MailboxRow;
  const address = 'push-one@contoso.test';

  beforeAll(async () => {
    const opened = await openTestStore();
    store = opened.store;
    closers.push(opened.cleanup);
    instance = await startInstance(store);
    mailbox = await link(instance, store, address);
  });

  it('(a) subscribes through the validation handshake, and new mail is ticketed without waiting for the poll', async () => {
    // The validation echo, as Graph sends it: text/plain, exactly the token, never sniffed as a page.
    const token = 'Validation: Testing client application reachability <script>1</script>';
    const echo = await fetch(`${instance.origin}/webhooks/graph?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(echo.status).toBe(200);
    expect(echo.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(echo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await echo.text()).toBe(token);

    const [subscription] = await eventually(async () => {
      const subs = await subscriptionsAt(address);
      return subs.length === 1 ? subs : undefined;
    }, 15_000);
    const stored = await store.subscriptions.forMailbox(mailbox.id);
    expect(stored?.subscription_id).toBe(subscription!.id);
    expect(subscription!.resource).toBe(`/users/${address}/mailFolders('inbox')/messages`);
    await eventually(async () => ((await store.mailboxes.findById(mailbox.id))?.last_sync_at ? true : undefined), 15_000);
    const row = await store.mailboxes.findById(mailbox.id);
    expect({ state: row?.push_state, reason: row?.push_reason }).toEqual({ state: 'on', reason: null });

    const { mime, messageId } = mail(address, 'a');
    await sandbox.control.deliver(address, mime);
    await eventually(() => ticketed(store, messageId), 20_000);
    expect(await recordsOf(store, messageId)).toHaveLength(1);
  });

  it('(b) refuses and counts a wrong clientState and an unknown subscription, and asks for no sync', async () => {
    // The sync (a) asked for may still be finishing: start from a mailbox at rest.
    await atRest(store, mailbox.id);
    const stored = await store.subscriptions.forMailbox(mailbox.id);
    const before = await store.mailboxes.findById(mailbox.id);
    const post = (value: unknown[]) => fetch(`${instance.origin}/webhooks/graph`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
    const item = { changeType: 'created', resource: 'Users/x/Messages/y', tenantId: sandbox.sandbox.tenantId };
    expect((await post([{ ...item, subscriptionId: stored!.subscription_id, clientState: 'not-the-secret' }])).status).toBe(202);
    expect((await post([{ ...item, subscriptionId: '00000000-0000-0000-0000-000000000000', clientState: 'whatever' }])).status).toBe(202);
    expect((await fetch(`${instance.origin}/webhooks/graph`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"value":' })).status).toBe(400);

    const metrics = await (await fetch(`http://127.0.0.1:${instance.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/relaydesk_webhook_notifications_total\{outcome="bad_client_state"\} 1\n/);
    expect(metrics).toMatch(/relaydesk_webhook_notifications_total\{outcome="unknown_subscription"\} 1\n/);
    expect(metrics).toMatch(/relaydesk_webhook_notifications_total\{outcome="accepted"\} [1-9]/);
    // Past the debounce window: nothing was asked for, nothing synced.
    await sleep(600);
    const after = await store.mailboxes.findById(mailbox.id);
    expect(after?.sync_requested_at).toBeNull();
    expect(after?.last_sync_at).toBe(before?.last_sync_at);
    const refused = instance.logs.filter((l) => String(l.msg).startsWith('notification refused'));
    expect(refused.length).toBe(2);
    expect(JSON.stringify(refused)).not.toContain('not-the-secret');
  });

  it('(d) recovers after `missed`: mail whose notification never came is ticketed when Graph reports the loss', async () => {
    const stored = await store.subscriptions.forMailbox(mailbox.id);
    const id = stored!.subscription_id;
    expect((await sandbox.control.call('POST', `/subscriptions/${id}/hold`, { held: true })).status).toBe(204);
    const { mime, messageId } = mail(address, 'missed');
    await sandbox.control.deliver(address, mime);
    // Held: no notification, and the poll is ten minutes away, so it waits in the inbox.
    await sleep(1_500);
    expect(await recordsOf(store, messageId)).toHaveLength(0);
    await sandbox.control.call('POST', `/subscriptions/${id}/hold`, { held: false });
    expect((await sandbox.control.call('POST', `/subscriptions/${id}/lifecycle`, { lifecycleEvent: 'missed' })).status).toBe(202);
    await eventually(() => ticketed(store, messageId), 20_000);
    expect(await recordsOf(store, messageId)).toHaveLength(1);
  });

  it('(d) recovers after `subscriptionRemoved`: a new subscription replaces it and later mail comes by push', async () => {
    const old = (await store.subscriptions.forMailbox(mailbox.id))!.subscription_id;
    expect((await sandbox.control.call('POST', `/subscriptions/${old}/lifecycle`, { lifecycleEvent: 'subscriptionRemoved' })).status).toBe(202);
    const replacement = await eventually(async () => {
      const sub = await store.subscriptions.forMailbox(mailbox.id);
      return sub && sub.subscription_id !== old ? sub : undefined;
    }, 20_000);
    expect((await subscriptionsAt(address)).map((s) => s.id)).toEqual([replacement.subscription_id]);
    const { mime, messageId } = mail(address, 'removed');
    await sandbox.control.deliver(address, mime);
    await eventually(() => ticketed(store, messageId), 20_000);
    expect(await recordsOf(store, messageId)).toHaveLength(1);
  });

  it('drops the subscription when the mailbox is paused (and makes a new one on resume)', async () => {
    const old = (await store.subscriptions.forMailbox(mailbox.id))!.subscription_id;
    await instance.rd.services.mailboxes.pause(mailbox.id, 'push-test');
    expect(await store.subscriptions.forMailbox(mailbox.id)).toBeUndefined();
    expect(await subscriptionsAt(address)).toEqual([]);
    await instance.rd.services.mailboxes.resume(mailbox.id, 'push-test');
    const renewed = await eventually(async () => (await store.subscriptions.forMailbox(mailbox.id)) ?? undefined, 20_000);
    expect(renewed.subscription_id).not.toBe(old);
  });
});

describe('push when Microsoft cannot reach the server', () => {
  it('stays off with the reason when PUBLIC_ORIGIN is not https, and the mailbox is still synced', async () => {
    const opened = await openTestStore();
    closers.push(opened.cleanup);
    const port = await freePort();
    const instance = await startInstance(opened.store, { env: { PUBLIC_ORIGIN: `http://localhost:${port}`, SYNC_INTERVAL_MS: '500' } });
    // Served over https anyway (the sandbox CA); only the advertised origin is plain http.
    const row = await link(instance, opened.store, 'push-off@contoso.test');
    const synced = await eventually(async () => {
      const r = await opened.store.mailboxes.findById(row.id);
      return r?.last_sync_at ? r : undefined;
    }, 15_000);
    expect({ state: synced.push_state, reason: synced.push_reason }).toEqual({ state: 'off', reason: 'PUBLIC_ORIGIN is not https: Microsoft cannot deliver notifications' });
    expect(await subscriptionsAt('push-off@contoso.test')).toEqual([]);
  });
});

describe('two instances on PostgreSQL', () => {
  const schema = `e2e_push_${process.pid}_${randomBytes(4).toString('hex')}`;
  const addresses = ['push-two-a@contoso.test', 'push-two-b@contoso.test', 'push-two-c@contoso.test'];
  const LIFETIME_MS = 12_000;

  it('(c, e) renew each subscription before it expires, by the mailbox lease holder only, with the mailbox own token', async () => {
    await withPostgres((c) => c.query(`create schema "${schema}"`));
    closers.push(() => withPostgres((c) => c.query(`drop schema if exists "${schema}" cascade`)).then(() => undefined));
    const storeA = await Store.open({ kind: 'postgres', url: DATABASE_URL, schema });
    closers.push(() => storeA.close());
    const storeB = await Store.open({ kind: 'postgres', url: DATABASE_URL, schema });
    closers.push(() => storeB.close());
    const push = { subscriptionLifetimeMs: LIFETIME_MS };
    // The check interval brings every mailbox round every 2 s, so a renewal falls due between two runs; one
    // sync at a time each, so both instances hold leases.
    const env = { PUSH_CHECK_INTERVAL_MS: '2000', SYNC_MAX_CONCURRENT: '1', RELAYDESK_SECRET_KEY: newSecretKey() };
    const a = await startInstance(storeA, { push, env, instanceId: 'push-A' });
    const b = await startInstance(storeB, { push, env, instanceId: 'push-B' });
    const rows = [];
    for (const address of addresses) rows.push(await link(a, storeA, address));
    const first = new Map<string, SandboxSubscription>();
    for (const address of addresses) {
      const [sub] = await eventually(async () => {
        const subs = await subscriptionsAt(address);
        return subs.length === 1 ? subs : undefined;
      }, 15_000);
      first.set(address, sub!);
    }

    // Every subscription renewed at least once, still the same one (renewed, not replaced after expiring).
    const renewed = await eventually(async () => {
      const now = await Promise.all(addresses.map((address) => subscriptionsAt(address)));
      return now.every((subs) => subs.length === 1 && subs[0]!.renewals.length >= 1) ? now.map((subs) => subs[0]!) : undefined;
    }, 40_000);
    const elapsedMs = Date.now() - Math.min(...[...first.values()].map((s) => Date.parse(s.expirationDateTime) - LIFETIME_MS));
    for (const [i, address] of addresses.entries()) {
      const before = first.get(address)!;
      const after = renewed[i]!;
      expect(after.id).toBe(before.id);
      expect(Date.parse(after.expirationDateTime)).toBeGreaterThan(Date.parse(before.expirationDateTime));
      // Each PATCH came with the mailbox's own token (its user created the subscription).
      expect(new Set(after.renewals.map((r) => r.by))).toEqual(new Set([before.creatorId]));
      // One renewal per half-lifetime at most: two instances each renewing every subscription would double it.
      expect(after.renewals.length).toBeLessThanOrEqual(Math.floor(elapsedMs / (LIFETIME_MS / 2)) + 1);
      const row = await storeA.subscriptions.forMailbox(rows[i]!.id);
      expect(row?.subscription_id).toBe(before.id);
    }

    // Every renewal the sandbox saw was logged by the instance that held the mailbox's lease for that run.
    const renewalsLogged = (inst: Instance) => inst.logs.filter((l) => l.msg === 'push subscription renewed');
    const seenNow = async () => (await Promise.all(addresses.map((address) => subscriptionsAt(address)))).map((subs) => subs[0] as SandboxSubscription);
    const total = (subs: SandboxSubscription[]) => subs.reduce((n, sub) => n + sub.renewals.length, 0);
    await eventually(async () => (renewalsLogged(a).length + renewalsLogged(b).length === total(await seenNow()) ? true : undefined), 5_000);
    const renewedByBefore = renewalsLogged(b).length;

    // A stops (its leases released): B, now the only lease holder, keeps every subscription alive.
    const aRenewals = renewalsLogged(a).length;
    await a.rd.close();
    const stoppedAt = Date.now();
    const later = await eventually(async () => {
      const subs = await seenNow();
      // A subscription missing here expired unrenewed: the eventual timeout reports it.
      return subs.every((sub) => sub?.renewals.some((r) => Date.parse(r.at) > stoppedAt)) ? subs : undefined;
    }, 30_000);
    for (const [i, sub] of later.entries()) expect(sub.id).toBe(first.get(addresses[i]!)!.id);
    expect(renewalsLogged(a).length).toBe(aRenewals);
    // B logs a renewal once Graph has answered its PATCH and the new expiry is stored: a moment after the sandbox counts it.
    await eventually(() => (renewalsLogged(b).length - renewedByBefore >= addresses.length ? true : undefined), 5_000);
    await eventually(async () => (renewalsLogged(a).length + renewalsLogged(b).length === total(await seenNow()) ? true : undefined), 5_000);
    console.log(`push renewals: instance A ${renewalsLogged(a).length}, instance B ${renewalsLogged(b).length} (${renewedByBefore} while both ran), sandbox ${total(await seenNow())}`);
  });
});

describe('a server killed between a notification and its sync', () => {
  const fleet = new ServerFleet();
  let workDir: string;
  afterAll(async () => {
    await fleet.killAll();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('(f) tickets the mail exactly once after the restart, without waiting for the poll', async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-push-kill-'));
    const tls = sandbox.sandbox.localhostTls;
    fs.writeFileSync(path.join(workDir, 'cert.pem'), tls.certPem);
    fs.writeFileSync(path.join(workDir, 'key.pem'), tls.keyPem);
    const port = await freePort();
    const origin = `https://localhost:${port}`;
    const secretKey = newSecretKey();
    const dataDir = path.join(workDir, 'data');
    const start = (name: string): RelaydeskServer =>
      fleet.start({
        name,
        sandbox: sandbox.sandbox,
        port,
        dataDir,
        cwd: workDir,
        secretKey,
        syncIntervalMs: 600_000,
        env: {
          TLS_CERT_FILE: path.join(workDir, 'cert.pem'),
          TLS_KEY_FILE: path.join(workDir, 'key.pem'),
          PUBLIC_ORIGIN: origin,
          OAUTH_REDIRECT_URI: `${origin}/oauth/callback`,
          PUSH_CHECK_INTERVAL_MS: TEN_MINUTES,
          // A long window: the kill lands after the webhook answered and before any sync could start.
          PUSH_DEBOUNCE_MS: '60000',
        },
      });
    const address = 'push-kill@contoso.test';
    let server = start('run 1');
    await server.listening();
    await server.process.waitForLog((l) => l.msg === 'parse workers ready: syncing mailboxes', 30_000);
    const dbFile = path.join(dataDir, 'relaydesk.db');
    const store = await Store.open({ kind: 'sqlite', file: dbFile });
    closers.push(() => store.close());
    const row = await link({ origin }, store, address);
    await eventually(async () => ((await store.subscriptions.forMailbox(row.id)) ? true : undefined), 15_000);
    await eventually(async () => ((await store.mailboxes.findById(row.id))?.last_sync_at ? true : undefined), 15_000);

    const { mime, messageId } = mail(address, 'kill');
    await sandbox.control.deliver(address, mime);
    // The webhook answered (so Graph will not redeliver): the request must already be in the store.
    await server.process.waitForLog((l) => (l.req as { url?: string } | undefined)?.url === '/webhooks/graph' && (l.res as { statusCode?: number } | undefined)?.statusCode === 202, 15_000);
    await server.kill();
    expect((await store.mailboxes.findById(row.id))?.sync_requested_at).not.toBeNull();
    expect(await recordsOf(store, messageId)).toHaveLength(0);

    server = start('run 2');
    await server.listening();
    await eventually(() => ticketed(store, messageId), 30_000);
    expect(await server.stop()).toBe(0);
    // Once: one record, one ticket, and the message marked read after it.
    const records = await recordsOf(store, messageId);
    expect(records).toHaveLength(1);
    expect(records[0]?.ticket_id).not.toBeNull();
  });
});
