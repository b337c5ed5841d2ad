import request from 'supertest';
import { DemoMailGenerator } from '../../server/sandbox';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import { SyncScheduler } from '../../server/inbound/sync/scheduler';
import { DEFAULT_RELAY_SETTINGS, RelayWorker } from '../../server/outbound/relay-worker';
import type { MailboxView } from '../../server/mailboxes/mailbox-view';
import type { MailboxRow } from '../../server/store/schema';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// Issue 13, "Must show": Entra out of service while every access token Relaydesk holds has expired. Graph
// refuses the tokens (POST /sandbox/tokens/expire), and the token endpoint answers 503 for two minutes, then
// `temporarily_unavailable` for two more. No mailbox may leave `active` (it shows degraded, with the reason,
// through the mailbox API), and the mail delivered during the outage is ticketed at the first sync after it
// ends: within one sync interval, plus the scheduler's one-second tick and the sync's own run.

const SYNC_INTERVAL_MS = 5_000;
const SCHEDULER_TICK_MS = 1_000;
const SYNC_RUN_MS = 1_000;
const PHASE_MS = 2 * 60_000;
const TOKEN_ENDPOINT = 'oauth2/v2.0/token';
const ADDRESSES = ['outage-one@contoso.test', 'outage-two@contoso.test'];
const ADMIN = 'outage-admin@contoso.test';

let rd: RelaydeskWithSandbox;
beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
});
afterAll(() => rd?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let seed = 1300;
async function deliverQuestion(address: string): Promise<string> {
  const mail = await new DemoMailGenerator({ to: address, seed: seed++ }).next('question');
  const response = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(address)}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mail.mime });
  if (response.status !== 201) throw new Error(`deliver failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { internetMessageId: string }).internetMessageId;
}

async function ticketed(internetMessageIds: readonly string[]): Promise<boolean> {
  const records = await rd.store.mailMessages.findByMessageIds(internetMessageIds);
  return internetMessageIds.every((id) => records.some((r) => r.internet_message_id === id && r.ticket_id !== null));
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Every state and failure class each mailbox shows, read from the store every 200 ms. */
function watch(mailboxes: readonly MailboxRow[]): { stop(): Promise<void>; states: Set<string>; classes: Map<number, Set<string>> } {
  const states = new Set<string>();
  const classes = new Map(mailboxes.map((m) => [m.id, new Set<string>()]));
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const m of mailboxes) {
        const row = await rd.store.mailboxes.findById(m.id);
        states.add(row?.state ?? 'missing');
        if (row?.failure_class) classes.get(m.id)!.add(row.failure_class);
      }
      await sleep(200);
    }
  })();
  return {
    states,
    classes,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function mailboxViews(token: string): Promise<MailboxView[]> {
  const res = await request(rd.app).get('/api/mailboxes').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return (res.body as MailboxView[]).filter((m) => ADDRESSES.includes(m.address));
}

describe('an Entra outage while every access token has expired', () => {
  it('holds outgoing email without spending send attempts on it, then sends each email once', async () => {
    const mailbox = await rd.linkMailbox('outage-relay@contoso.test');
    const question = await deliverQuestion(mailbox.address);
    await syncMailbox(rd.syncDeps(), mailbox);
    const ticketId = (await rd.store.mailMessages.findByMessageIds([question]))[0]!.ticket_id!;
    const acknowledgement = async () => (await rd.store.outbox.listForTicket(ticketId)).find((row) => row.kind === 'ticket_received')!;
    const relay = new RelayWorker({ store: rd.store, clients: rd.clients, logger: rd.syncDeps().logger, settings: { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: 'relaydesk.test', inactiveMailboxRetryMs: 200 } });
    const sentBy = async () => (await rd.control<{ internetMessageId: string }[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(mailbox.address)}/sent`)).body;

    await rd.control('POST', '/sandbox/tokens/expire', { upn: mailbox.address });
    await rd.control('PUT', '/sandbox/faults', { pathPattern: TOKEN_ENDPOINT, rate503: 1 });
    try {
      // The first round's send leaves with the expired token and is refused (401: not carried out); from then
      // on no token can be had, so nothing leaves: the email waits for the mailbox, as for a paused one,
      // without spending attempts.
      for (let round = 0; round < 4; round++) {
        await relay.runOnce();
        await sleep(250);
      }
      expect(await acknowledgement()).toMatchObject({ state: 'pending', attempts: 1, outcome_unknown: 0, last_error: expect.stringMatching(/^identity_unavailable/) });
      expect(await sentBy()).toHaveLength(0);
    } finally {
      await rd.control('PUT', '/sandbox/faults', {});
    }
    await until(async () => {
      await relay.runOnce();
      return (await acknowledgement()).state === 'sent';
    }, 10_000, 'acknowledgement sent after the outage');
    const row = await acknowledgement();
    // Exchange lets a message leave the Outbox a little after sendMail's 202.
    await until(async () => (await sentBy()).some((m) => m.internetMessageId === row.message_id), 10_000, 'acknowledgement left the Outbox');
    expect((await sentBy()).filter((m) => m.internetMessageId === row.message_id)).toHaveLength(1);
    expect((await rd.store.mailboxes.findById(mailbox.id))!.state).toBe('active');
  }, 30_000);

  it('keeps every mailbox active (degraded, with the reason) and tickets the mail of the outage within one sync interval after it ends', async () => {
    const mailboxes = await Promise.all(ADDRESSES.map((a) => rd.linkMailbox(a)));
    await rd.control('POST', '/sandbox/users', { upn: ADMIN, roles: ['Relaydesk.Admin'] });
    const admin = await rd.apiToken(ADMIN);
    const scheduler = new SyncScheduler(rd.syncDeps(), { intervalMs: SYNC_INTERVAL_MS, leaseMs: 60_000, maxConcurrent: 4, instanceId: 'identity-outage' });
    const watcher = watch(mailboxes);
    scheduler.start();
    try {
      // Healthy first: the scheduler tickets mail with the tokens from linking.
      const before = await Promise.all(ADDRESSES.map(deliverQuestion));
      await until(() => ticketed(before), 3 * SYNC_INTERVAL_MS, 'mail before the outage ticketed');

      for (const upn of ADDRESSES) expect(await rd.control('POST', '/sandbox/tokens/expire', { upn })).toMatchObject({ status: 200 });
      expect(await rd.control('PUT', '/sandbox/faults', { pathPattern: TOKEN_ENDPOINT, rate503: 1, retryAfterSeconds: 1 })).toMatchObject({ status: 200 });
      const during = await Promise.all(ADDRESSES.map(deliverQuestion));
      await sleep(3 * SYNC_INTERVAL_MS);
      // Degraded, shown through the API with the failure's class and reason; still active.
      for (const view of await mailboxViews(admin)) {
        expect(view).toMatchObject({ state: 'active', health: { degraded: { failureClass: 'transient' }, lastError: { code: 'identity_unavailable' } } });
        expect(view.health.degraded?.reason).toMatch(/temporarily_unavailable|90033/);
      }
      expect(await ticketed(during)).toBe(false);
      await sleep(PHASE_MS - 3 * SYNC_INTERVAL_MS);

      expect(await rd.control('PUT', '/sandbox/faults', { pathPattern: TOKEN_ENDPOINT, temporarilyUnavailableRate: 1 })).toMatchObject({ status: 200 });
      during.push(...(await Promise.all(ADDRESSES.map(deliverQuestion))));
      await sleep(PHASE_MS);
      expect(await ticketed(during)).toBe(false);

      expect(await rd.control('PUT', '/sandbox/faults', {})).toMatchObject({ status: 200 });
      const endedAt = Date.now();
      await until(() => ticketed(during), SYNC_INTERVAL_MS + SCHEDULER_TICK_MS + SYNC_RUN_MS, 'mail of the outage ticketed after it ended');
      // The next good sync clears degraded.
      await until(async () => (await mailboxViews(admin)).every((v) => v.state === 'active' && v.health.degraded === null), SYNC_INTERVAL_MS + SCHEDULER_TICK_MS + SYNC_RUN_MS, 'degraded cleared');
      expect(Date.now() - endedAt).toBeLessThanOrEqual(2 * (SYNC_INTERVAL_MS + SCHEDULER_TICK_MS + SYNC_RUN_MS));
    } finally {
      await rd.control('PUT', '/sandbox/faults', {});
      await scheduler.stop();
      await watcher.stop();
    }
    expect([...watcher.states]).toEqual(['active']);
    for (const m of mailboxes) {
      // Each mailbox was degraded by the outage, and only ever for a reason retrying fixes.
      expect(watcher.classes.get(m.id)!.size).toBeGreaterThan(0);
      for (const failureClass of watcher.classes.get(m.id)!) expect(['transient', 'throttled']).toContain(failureClass);
    }
  }, 8 * 60_000);
});
