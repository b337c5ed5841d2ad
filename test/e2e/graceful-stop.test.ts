import path from 'node:path';
import { allOutboxRows, checkExactlyOnce, unsettled, withSqliteStore, type SentLogEntry } from '../support/processes/outbox-check';
import { checkIngest, deliverMessages, planMail, recordsOf } from '../support/processes/mail-plan';
import { adminToken, linkMailbox, sleep, waitUntilAllRead, type RelaydeskServer } from '../support/processes/relaydesk-server';
import { processTestBed } from '../support/processes/test-bed';

// Issue 17, "As a service": `systemctl stop` sends SIGTERM, and Relaydesk must be gone within
// SHUTDOWN_TIMEOUT_MS with nothing lost and nothing done twice. The real server runs as a child process
// (SQLite in its DATA_DIR) against a sandbox in this process. A burst of mail is being ingested, and the
// acknowledgements it queues are being sent, when the SIGTERM comes; the restart must then finish the work
// without a second ticket for any message and without a second copy of any email.
// The second test is the deadline: a stop that cannot finish in time (Graph does not answer the sync)
// exits 1 at SHUTDOWN_TIMEOUT_MS instead of hanging until systemd's SIGKILL, and still loses nothing.

const ADDRESSES = ['stop-a@contoso.test', 'stop-b@contoso.test'];
const SHUTDOWN_TIMEOUT_MS = 4_000;
/** Between SIGTERM and the exit, what the process's own teardown (V8, worker threads) may add. */
const EXIT_SLACK_MS = 3_000;
/**
 * Every Graph request takes this long, so ingest and sending are both under way when the SIGTERM comes. It
 * also makes a stop that waits for Graph too long show: marking a pass's messages read ($batch requests one
 * after another) or sending a whole relay round (50 emails, 4 at a time per mailbox) takes seconds at this pace.
 */
const GRAPH_LATENCY_MS = 300;
const THREADS = 2_000;
const TEST_MS = 150_000;
/** The server's log line when its parse workers are ready and the scheduler starts. */
const SYNCING = 'parse workers ready: syncing mailboxes';
/** What the sync logs when a dead process left read marks (a graceful stop must leave none). */
const SUSPECTS = 'a process stopped while reading some of these messages: reading each of them alone';

const bed = processTestBed('relaydesk-stop-');

async function sentLogs(): Promise<Map<string, SentLogEntry[]>> {
  return new Map(await Promise.all(ADDRESSES.map(async (a) => [a, (await bed.sandbox.control.sent(a)).map((m) => ({ internetMessageId: m.internetMessageId }))] as const)));
}

/** Polls the sandbox's sent logs until Graph has accepted an email from one of the mailboxes. */
async function firstEmailAccepted(deadline: number): Promise<void> {
  for (;;) {
    if ([...(await sentLogs()).values()].some((log) => log.length > 0)) return;
    if (Date.now() > deadline) throw new Error('no email accepted before the deadline');
    await sleep(25);
  }
}

/** SIGTERM, then the exit code and how long the exit took (SIGKILL only far past the deadline). */
async function terminate(server: RelaydeskServer): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  const code = await server.stop(SHUTDOWN_TIMEOUT_MS + 20_000);
  return { code, ms: Date.now() - sent };
}

describe('graceful stop (SIGTERM)', () => {
  it(
    `stops within SHUTDOWN_TIMEOUT_MS (${SHUTDOWN_TIMEOUT_MS} ms) mid-ingest with exit 0, and the restart finishes with each message one ticket and each email sent once`,
    async () => {
      const deadline = Date.now() + TEST_MS - 10_000;
      const base = await bed.serverOptions({
        syncIntervalMs: 200,
        env: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), RELAY_MESSAGES_PER_MINUTE: '100000', RELAY_UNKNOWN_OUTCOME_SETTLE_MS: '2000' },
      });
      const dbFile = path.join(base.dataDir, 'relaydesk.db');

      const setup = bed.fleet.start({ ...base, name: 'setup' });
      await setup.listening();
      const token = await adminToken(bed.sandbox, 'stop-admin@contoso.test');
      const mailboxIds = new Map<string, number>();
      for (const address of ADDRESSES) mailboxIds.set(address, await linkMailbox(setup, bed.sandbox, address, token));
      expect(await setup.stop()).toBe(0);

      const plan = planMail({ addresses: ADDRESSES, threads: THREADS, replyRate: 0.2, crossPostRate: 0.05, seed: 17, tag: 'stop' });
      await deliverMessages(bed.sandbox.control, plan, { startAt: Date.now() });
      await bed.sandbox.control.setFaults({ latencyMs: GRAPH_LATENCY_MS });

      const first = bed.fleet.start({ ...base, name: 'stopped mid-ingest' });
      await first.listening();
      await first.process.waitForLog((l) => l.msg === SYNCING, 30_000);
      // Tickets are committed and their acknowledgements are going out: the relay has sends in flight, and
      // (checked below) ingest still has mail left.
      await firstEmailAccepted(deadline);
      const stop = await terminate(first);
      const stopped = first.logs().find((l) => l.msg === 'stopped');
      // What the server logged from the SIGTERM on, for a stop that took too long.
      const stopLogs = first.logs().filter((l, i, all) => i >= all.findIndex((x) => x.msg === 'shutting down'));
      const stopLog = stopLogs.map((l) => `    +${Number(l['time']) - Number(stopLogs[0]?.['time'])} ms ${String(l['msg'])}${l['mailbox'] ? ` (${String(l['mailbox'])})` : ''}`);

      const afterStop = await withSqliteStore(dbFile, async (store) => {
        const now = new Date().toISOString();
        return {
          recorded: (await recordsOf(store, plan)).length,
          leasedMailboxes: (await store.mailboxes.list()).filter((m) => m.lease_owner !== null && m.lease_until !== null && m.lease_until > now).map((m) => m.address),
          outbox: await store.outbox.countByState(),
          inDoubt: (await allOutboxRows(store)).filter((r) => r.outcome_unknown === 1).length,
        };
      });
      const sentAtStop = [...(await sentLogs()).values()].reduce((n, l) => n + l.length, 0);

      await bed.sandbox.control.setFaults({ latencyMs: 0 });
      const final = bed.fleet.start({ ...base, name: 'restart' });
      await final.listening();
      const appToken = await bed.sandbox.control.token({ roles: ['Mail.ReadWrite'] });
      const allRead = await waitUntilAllRead(bed.sandbox, appToken, ADDRESSES, deadline);
      let counts: Record<string, number> = {};
      for (;;) {
        counts = await withSqliteStore(dbFile, (store) => store.outbox.countByState());
        if (unsettled(counts) === 0 || Date.now() > deadline) break;
        await sleep(250);
      }
      const finalStop = await terminate(final);

      const { check, rows } = await withSqliteStore(dbFile, async (store) => ({ check: await checkIngest(store, plan, mailboxIds), rows: await allOutboxRows(store) }));
      const logs = await sentLogs();
      const sent = checkExactlyOnce(rows, new Map(ADDRESSES.map((a) => [mailboxIds.get(a)!, logs.get(a) ?? []])));
      console.log(
        [
          `graceful stop: ${plan.length} messages in ${ADDRESSES.length} mailboxes, Graph latency ${GRAPH_LATENCY_MS} ms, SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS}`,
          `  SIGTERM after the first email was accepted: exit ${stop.code} after ${stop.ms} ms (the server's own count: ${String(stopped?.['durationMs'])} ms)`,
          `  at the stop: ${afterStop.recorded} of ${plan.length} recorded, ${sentAtStop} emails accepted; outbox ${JSON.stringify(afterStop.outbox)}, ${afterStop.inDoubt} in doubt; mailbox leases still held: ${JSON.stringify(afterStop.leasedMailboxes)}`,
          ...stopLog,
          `  restart: all read ${allRead}, outbox ${JSON.stringify(counts)}, exit ${finalStop.code} after ${finalStop.ms} ms`,
          `  ${check.records} records, ${check.tickets} tickets; ${JSON.stringify(check.dispositions)}; sent log ${sent.sentEntries} entries for ${rows.length} rows`,
          ...check.problems.slice(0, 20).map((p) => `  PROBLEM: ${p}`),
          ...sent.problems.map((p) => `  PROBLEM: ${p}`),
        ].join('\n'),
      );

      // The stop: clean, in time, and by the server's own measure within its deadline.
      expect(stop.code).toBe(0);
      expect(stopped).toBeDefined();
      expect(Number(stopped?.['durationMs'])).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS);
      expect(stop.ms).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS);
      // It landed mid-ingest: some mail recorded, some left for the restart.
      expect(afterStop.recorded).toBeGreaterThan(0);
      expect(afterStop.recorded).toBeLessThan(plan.length);
      // What it leaves is clean: no mailbox lease held (another instance could start at once), no email
      // claimed and left half-sent, none whose fate is in doubt, no read marks that make a message a suspect.
      expect(afterStop.leasedMailboxes).toEqual([]);
      expect(afterStop.outbox['sending'] ?? 0).toBe(0);
      expect(afterStop.inDoubt).toBe(0);
      // Sends on their way were answered before the exit: the store knows as sent exactly what Graph accepted.
      expect(sentAtStop).toBeGreaterThan(0);
      expect(afterStop.outbox['sent'] ?? 0).toBe(sentAtStop);
      expect(final.logs().filter((l) => l.msg === SUSPECTS)).toEqual([]);

      // The restart finished the work: every message exactly one record (one ticket per conversation), every
      // email sent exactly once.
      expect(allRead).toBe(true);
      expect(finalStop.code).toBe(0);
      expect({ problems: check.problems.length, first: check.problems.slice(0, 20) }).toEqual({ problems: 0, first: [] });
      expect(check.records).toBe(plan.length);
      expect(counts).toEqual({ sent: check.tickets });
      expect(sent.problems).toEqual([]);
      expect({ entries: sent.sentEntries, duplicated: sent.duplicated }).toEqual({ entries: rows.length, duplicated: 0 });
    },
    TEST_MS,
  );

  it(
    'exits 1 at SHUTDOWN_TIMEOUT_MS when the stop cannot finish (a Graph request of the sync does not answer), and the restart ingests everything once',
    async () => {
      const deadline = Date.now() + TEST_MS - 10_000;
      const timeoutMs = 2_000;
      const address = 'stop-hang@contoso.test';
      const base = await bed.serverOptions({ syncIntervalMs: 200, dataDir: path.join(bed.workDir, 'data-hang'), env: { SHUTDOWN_TIMEOUT_MS: String(timeoutMs) } });
      const dbFile = path.join(base.dataDir, 'relaydesk.db');

      const setup = bed.fleet.start({ ...base, name: 'hang setup' });
      await setup.listening();
      const token = await adminToken(bed.sandbox, 'stop-admin@contoso.test');
      const mailboxIds = new Map([[address, await linkMailbox(setup, bed.sandbox, address, token)]]);
      expect(await setup.stop()).toBe(0);

      const plan = planMail({ addresses: [address], threads: 60, seed: 3, tag: 'stop-hang' });
      await deliverMessages(bed.sandbox.control, plan, { startAt: Date.now() });
      // Every Graph request for the mailbox answers only after 10 s: the sync's first one holds the stop.
      await bed.sandbox.control.setFaults({ latencyMs: 10_000, mailbox: address });
      const requestsBefore = (await bed.sandbox.control.stats(address)).requests;

      const hung = bed.fleet.start({ ...base, name: 'hung stop' });
      await hung.listening();
      // The sandbox counts a request when it arrives, before its latency: the sync is now waiting on Graph.
      for (;;) {
        if ((await bed.sandbox.control.stats(address)).requests > requestsBefore) break;
        if (Date.now() > deadline) throw new Error('the sync made no Graph request');
        await sleep(25);
      }
      const stop = await terminate(hung);
      const timedOut = hung.logs().find((l) => l.msg === 'shutdown timed out');

      await bed.sandbox.control.setFaults({});
      const final = bed.fleet.start({ ...base, name: 'after the hung stop' });
      await final.listening();
      const appToken = await bed.sandbox.control.token({ roles: ['Mail.ReadWrite'] });
      const allRead = await waitUntilAllRead(bed.sandbox, appToken, [address], deadline);
      const finalStop = await terminate(final);
      const check = await withSqliteStore(dbFile, (store) => checkIngest(store, plan, mailboxIds));
      console.log(`hung stop: exit ${stop.code} after ${stop.ms} ms (SHUTDOWN_TIMEOUT_MS ${timeoutMs}); restart: all read ${allRead}, ${check.records} records for ${plan.length} messages, exit ${finalStop.code}`);

      expect(stop.code).toBe(1);
      expect(timedOut).toMatchObject({ level: 50, timeoutMs });
      expect(hung.logs().some((l) => l.msg === 'stopped')).toBe(false);
      expect(stop.ms).toBeLessThanOrEqual(timeoutMs + EXIT_SLACK_MS);
      expect(allRead).toBe(true);
      expect(finalStop.code).toBe(0);
      expect(check.problems).toEqual([]);
      expect(check.records).toBe(plan.length);
    },
    TEST_MS,
  );
});
