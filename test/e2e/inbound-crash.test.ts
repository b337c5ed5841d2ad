import path from 'node:path';
import { Store } from '../../server/store/store';
import { checkIngest, deliverMessages, planMail, recordsOf, type PlannedMessage } from '../support/processes/mail-plan';
import { adminToken, linkMailbox, sleep, unreadCount, waitUntilAllRead } from '../support/processes/relaydesk-server';
import { processTestBed } from '../support/processes/test-bed';
import { prng, stratifiedDelays } from '../support/processes/random';

// Issue 5, "Must show": SIGKILL of the server at random points during ingest, 10 times, with restarts ->
// zero lost, zero duplicated. The real server runs as a child process (SQLite in its DATA_DIR) against a
// sandbox that lives in this process, so the mail outlives every crash.

const ADDRESSES = ['crash-a@contoso.test', 'crash-b@contoso.test', 'crash-c@contoso.test'];
const KILLS = 10;
const TEST_MS = 90_000;
/** Messages waiting before the first start. */
const BACKLOG = 900;
/** Conversations planned; only as many are delivered as the backlog and the top-ups need. */
const PLANNED_THREADS = 8_000;
/** The server's log line when its parse workers are ready and the scheduler starts. */
const SYNCING = 'parse workers ready: syncing mailboxes';
/** Runs that must be killed after recording some messages and before finishing their backlog. */
const MIN_MID_INGEST = 3;

const bed = processTestBed('relaydesk-crash-');

/** What the store holds after a kill: recorded messages, and mailbox leases the dead process still holds. */
async function afterKill(file: string, delivered: readonly PlannedMessage[]): Promise<{ recorded: number; leased: string[] }> {
  const store = await Store.open({ kind: 'sqlite', file });
  try {
    const now = new Date().toISOString();
    const leased = (await store.mailboxes.list()).filter((m) => m.lease_until !== null && m.lease_until > now).map((m) => `${m.address.split('@')[0]} until ${m.lease_until?.slice(11, 23)}`);
    return { recorded: (await recordsOf(store, delivered)).length, leased };
  } finally {
    await store.close();
  }
}

describe('inbound ingest under crashes', () => {
  it(
    `loses and duplicates nothing when the server is SIGKILLed ${KILLS} times at random points during ingest`,
    async () => {
      const deadline = Date.now() + TEST_MS - 8_000;
      const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
      const killDelays = stratifiedDelays(prng(seed), KILLS, 100, 1500);
      const base = await bed.serverOptions({ syncIntervalMs: 200 });
      const dbFile = path.join(base.dataDir, 'relaydesk.db');

      // Link the mailboxes through the server's API (empty inboxes), then stop it cleanly.
      const setup = bed.fleet.start({ ...base, name: 'setup' });
      await setup.listening();
      const token = await adminToken(bed.sandbox);
      const mailboxIds = new Map<string, number>();
      for (const address of ADDRESSES) mailboxIds.set(address, await linkMailbox(setup, bed.sandbox, address, token));
      expect(await setup.stop()).toBe(0);

      // A backlog of BACKLOG messages before the first start; before each restart, as many new ones arrive as
      // the killed run recorded, so every run starts with work it cannot finish before its kill.
      const plan = planMail({ addresses: ADDRESSES, threads: PLANNED_THREADS, replyRate: 0.25, crossPostRate: 0.05, seed: 11, tag: 'crash' });
      // Received from now on, as Exchange stamps delivery: the delta link the first sync took sees it.
      const startAt = Date.now();
      let delivered = 0;
      const topUp = async (count: number) => {
        const batch = plan.slice(delivered, delivered + count);
        await deliverMessages(bed.sandbox.control, batch, { startAt, firstIndex: delivered });
        delivered += batch.length;
      };
      await topUp(BACKLOG);

      const runs: { run: number; killAfterMs: number; backlog: number; gotThrough: number; recorded: number; leased: string[] }[] = [];
      let recorded = 0;
      for (let run = 1; run <= KILLS; run++) {
        if (run > 1) await topUp(runs.at(-1)!.gotThrough);
        const backlog = delivered - recorded;
        const server = bed.fleet.start({ ...base, name: `run ${run}` });
        await server.listening();
        // Ingest begins once the parse workers are up: the kill delays count from there.
        await server.process.waitForLog((l) => l.msg === SYNCING, 30_000);
        const killAfterMs = killDelays[run - 1]!;
        await sleep(killAfterMs);
        await server.kill();
        const state = await afterKill(dbFile, plan.slice(0, delivered));
        runs.push({ run, killAfterMs, backlog, gotThrough: state.recorded - recorded, recorded: state.recorded, leased: state.leased });
        recorded = state.recorded;
      }

      const final = bed.fleet.start({ ...base, name: 'final' });
      await final.listening();
      const appToken = await bed.sandbox.control.token({ roles: ['Mail.ReadWrite'] });
      const finalStartedAt = Date.now();
      const allRead = await waitUntilAllRead(bed.sandbox, appToken, ADDRESSES, deadline);
      const finalMs = Date.now() - finalStartedAt;
      const finalExit = await final.stop();

      const messages = plan.slice(0, delivered);
      const store = await Store.open({ kind: 'sqlite', file: dbFile });
      let check;
      try {
        check = await checkIngest(store, messages, mailboxIds);
      } finally {
        await store.close();
      }
      const unread = Object.fromEntries(await Promise.all(ADDRESSES.map(async (a) => [a, await unreadCount(bed.sandbox, appToken, a)] as const)));
      const midIngest = runs.filter((r) => r.gotThrough > 0 && r.gotThrough < r.backlog).length;
      console.log(
        [
          `crash test (CRASH_SEED=${seed}): ${delivered} messages delivered to ${ADDRESSES.length} mailboxes, ${KILLS} SIGKILLs`,
          ...runs.map(
            (r) =>
              `  run ${String(r.run).padStart(2)}: killed ${r.killAfterMs} ms after syncing began with ${r.backlog} to do; got through ${r.gotThrough}` +
              ` (${r.recorded} recorded in all)${r.leased.length ? `; sync leases the killed process still holds: ${r.leased.join(', ')}` : ''}`,
          ),
          `  final run: all read: ${allRead}, after ${finalMs} ms; runs killed mid-ingest: ${midIngest} of ${KILLS}`,
          `  ${check.records} records for ${check.delivered} delivered copies, ${check.tickets} tickets, ${check.ticketCreatedRecords} ticket_created; ${JSON.stringify(check.dispositions)}`,
          `  unread: ${JSON.stringify(unread)}`,
        ].join('\n'),
      );

      expect(allRead).toBe(true);
      expect(unread).toEqual(Object.fromEntries(ADDRESSES.map((a) => [a, 0])));
      expect(finalExit).toBe(0);
      expect({ problems: check.problems.length, first: check.problems.slice(0, 20) }).toEqual({ problems: 0, first: [] });
      expect(check.records).toBe(delivered);
      expect(check.tickets).toBe(check.ticketCreatedRecords);
      // The kills must land during ingest: runs that record some messages and die with work left. (Kills in
      // the first few hundred ms land before the first commit, while the server lists the inboxes.) A restart
      // cannot resume a mailbox whose lease the killed process still holds, so a lease that outlives its
      // holder by much more than a restart shows here as runs that got through nothing.
      expect(midIngest).toBeGreaterThanOrEqual(MIN_MID_INGEST);
    },
    TEST_MS,
  );
});
