import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../server/store/store';
import { checkIngest, deliverMessages, planMail } from '../support/processes/mail-plan';
import { adminToken, freePort, linkMailbox, newSecretKey, ServerFleet, sleep, unreadCount, waitUntilAllRead, type RelaydeskServer } from '../support/processes/relaydesk-server';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { POSTGRES_URL, withPostgres } from '../support/database';

// Issue 5, "Must show": two server instances on one PostgreSQL database sync the same mailboxes: zero
// duplicates. Both are real server processes (`DATABASE_URL` with the test's schema on the search path)
// against one sandbox in this process; mail keeps arriving while both run.

const DATABASE_URL = POSTGRES_URL;
const ADDRESSES = ['shared-a@contoso.test', 'shared-b@contoso.test', 'shared-c@contoso.test'];
const TEST_MS = 90_000;
const THREADS = 480;
const WAVES = 24;

let sandbox: TestSandbox;
let workDir: string;
const schema = `e2e_two_${process.pid}_${randomBytes(4).toString('hex')}`;
const fleet = new ServerFleet();

/** The URL the servers get: node-postgres passes `options` to the backend, which sets the search path. */
function urlWithSearchPath(url: string, searchPath: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${searchPath}`)}`;
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-two-'));
  await withPostgres((c) => c.query(`create schema "${schema}"`));
});

afterAll(async () => {
  await fleet.killAll();
  await sandbox?.close();
  await withPostgres((c) => c.query(`drop schema if exists "${schema}" cascade`));
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

interface SyncWork {
  /** Messages the instance ingested (recorded), per mailbox, from its "mailbox synced" lines. */
  ingested: Record<string, number>;
  alreadyRecorded: number;
  syncs: number;
  /** "mailbox sync failed" while the instance was running (before it was asked to stop). */
  failures: string[];
  /** Every warning or error, shutdown included (printed, for the record). */
  warnings: string[];
}

/** What an instance's log says it did. */
function syncWork(server: RelaydeskServer, stopRequestedAt: number): SyncWork {
  const work: SyncWork = { ingested: {}, alreadyRecorded: 0, syncs: 0, failures: [], warnings: [] };
  for (const line of server.logs()) {
    if (Number(line.level) >= 40) work.warnings.push(`${Number(line.time) >= stopRequestedAt ? '(stopping) ' : ''}${JSON.stringify(line).slice(0, 600)}`);
    if (line.msg === 'mailbox synced') {
      work.syncs++;
      const mailbox = String(line.mailbox);
      work.ingested[mailbox] = (work.ingested[mailbox] ?? 0) + Number(line.ingested);
      work.alreadyRecorded += Number(line.alreadyRecorded);
    }
    if (line.msg === 'mailbox sync failed' && Number(line.time) < stopRequestedAt) work.failures.push(`${String(line.mailbox)}: ${String(line.code)}`);
  }
  return work;
}

describe('two server instances on one PostgreSQL database', () => {
  it(
    'sync the same mailboxes together and record every message exactly once',
    async () => {
      const deadline = Date.now() + TEST_MS - 10_000;
      const secretKey = newSecretKey();
      const databaseUrl = urlWithSearchPath(DATABASE_URL, schema);
      const portA = await freePort();
      let portB = await freePort();
      while (portB === portA) portB = await freePort();
      // An instance claims every due mailbox it has room for at each tick, and two instances with the same
      // interval can fall into step so that one always ticks first. With room for 2 of the 3 mailboxes, each
      // wave of mail leaves work for the other instance as well.
      const instance = (name: string, port: number) =>
        fleet.start({ name, sandbox: sandbox.sandbox, port, dataDir: path.join(workDir, name), cwd: workDir, secretKey, databaseUrl, syncIntervalMs: 200, syncMaxConcurrent: 2 });
      // Both start at once, so they also migrate the empty schema at the same time.
      const a = instance('A', portA);
      const b = instance('B', portB);
      await Promise.all([a.listening(), b.listening()]);
      // Listening comes before the parse workers are warm; mail delivered before both sync would all go to one.
      await Promise.all([a, b].map((server) => server.process.waitForLog((l) => l.msg === 'parse workers ready: syncing mailboxes', 30_000)));

      const token = await adminToken(sandbox, 'two-admin@contoso.test');
      const mailboxIds = new Map<string, number>();
      for (const address of ADDRESSES) mailboxIds.set(address, await linkMailbox(a, sandbox, address, token));

      // Mail arrives in waves while both instances run, so both keep finding due mailboxes.
      const plan = planMail({ addresses: ADDRESSES, threads: THREADS, replyRate: 0.25, crossPostRate: 0.08, seed: 23, tag: 'two' });
      // Received from now on, as Exchange stamps delivery: the delta link the first sync took sees it.
      const startAt = Date.now();
      const perWave = Math.ceil(plan.length / WAVES);
      for (let first = 0; first < plan.length; first += perWave) {
        await deliverMessages(sandbox.control, plan.slice(first, first + perWave), { startAt, firstIndex: first });
        await sleep(150);
      }

      const appToken = await sandbox.control.token({ roles: ['Mail.ReadWrite'] });
      const allRead = await waitUntilAllRead(sandbox, appToken, ADDRESSES, deadline);
      const unread = Object.fromEntries(await Promise.all(ADDRESSES.map(async (address) => [address, await unreadCount(sandbox, appToken, address)] as const)));
      const stopRequestedAt = Date.now();
      const exits = await Promise.all([a.stop(), b.stop()]);

      const store = await Store.open({ kind: 'postgres', url: DATABASE_URL, schema });
      let check;
      try {
        check = await checkIngest(store, plan, mailboxIds);
      } finally {
        await store.close();
      }
      const work = { A: syncWork(a, stopRequestedAt), B: syncWork(b, stopRequestedAt) };
      const total = (w: { ingested: Record<string, number> }) => Object.values(w.ingested).reduce((n, x) => n + x, 0);
      console.log(
        [
          `two instances (schema ${schema}): ${plan.length} messages delivered to ${ADDRESSES.length} mailboxes in ${WAVES} waves; all read: ${allRead}`,
          ...Object.entries(work).map(([name, w]) => `  instance ${name}: ${w.syncs} syncs, ingested ${total(w)} ${JSON.stringify(w.ingested)}, already recorded ${w.alreadyRecorded}, failed syncs ${w.failures.length}${w.warnings.map((f) => `\n    ${f}`).join('')}`),
          `  ${check.records} records for ${check.delivered} delivered copies, ${check.tickets} tickets, ${check.ticketCreatedRecords} ticket_created; ${JSON.stringify(check.dispositions)}`,
        ].join('\n'),
      );

      expect(allRead).toBe(true);
      expect(unread).toEqual(Object.fromEntries(ADDRESSES.map((address) => [address, 0])));
      expect(exits).toEqual([0, 0]);
      expect({ problems: check.problems.length, first: check.problems.slice(0, 20) }).toEqual({ problems: 0, first: [] });
      expect(check.records).toBe(plan.length);
      expect(check.tickets).toBe(check.ticketCreatedRecords);
      // Both instances did sync work, and between them each message was ingested once: neither ever met a
      // message the other had recorded but not yet marked read (they never synced one mailbox together).
      expect(total(work.A)).toBeGreaterThan(0);
      expect(total(work.B)).toBeGreaterThan(0);
      expect([...work.A.failures, ...work.B.failures]).toEqual([]);
      expect(total(work.A) + total(work.B)).toBe(plan.length);
      expect(work.A.alreadyRecorded + work.B.alreadyRecorded).toBe(0);
    },
    TEST_MS,
  );
});
