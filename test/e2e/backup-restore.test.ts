import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../server/store/store';
import { checkIngest, deliverMessages, planMail, recordsOf, type PlannedMessage } from '../support/processes/mail-plan';
import { adminToken, freePort, linkMailbox, relaydeskEnv, sleep, unreadCount, waitUntilAllRead, type RelaydeskServerOptions } from '../support/processes/relaydesk-server';
import { runCli } from '../support/processes/run-cli';
import { processTestBed } from '../support/processes/test-bed';

// Issue 17, "Must show": a backup taken during an ingest of 2,000 messages, restored into a fresh data folder:
// every ticket committed before the backup is there, and the messages recorded after it (which the server
// had marked read in the mailbox) are taken again from the mailbox, none twice. Real processes throughout:
// the server and the CLIs are children (SQLite in their DATA_DIR); the sandbox, and so the mail, lives here.

const ADDRESS = 'backup@contoso.test';
const MESSAGES = 2_000;
const TEST_MS = 110_000;
/** The server's log line when its parse workers are ready and the scheduler starts. */
const SYNCING = 'parse workers ready: syncing mailboxes';
/** What a restored server logs once a mailbox took again the mail received since the backup. */
const TOOK_AGAIN = 'took again the mail received since the restored backup';

const bed = processTestBed('relaydesk-backup-');

async function withStore<T>(file: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ kind: 'sqlite', file });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Polls until `done` (read from the store at `file`) is true; false if the deadline passed first. */
async function waitFor(file: string, deadline: number, done: (store: Store) => Promise<boolean>, everyMs = 100): Promise<boolean> {
  return withStore(file, async (store) => {
    for (;;) {
      if (await done(store)) return true;
      if (Date.now() > deadline) return false;
      await sleep(everyMs);
    }
  });
}

describe('backup and restore', () => {
  it(
    `restores a backup taken during an ingest of ${MESSAGES} messages: nothing committed before it lost, what came after taken again once`,
    async () => {
      const deadline = Date.now() + TEST_MS - 10_000;
      const original = await bed.serverOptions({ syncIntervalMs: 200 });
      const originalDb = path.join(original.dataDir, 'relaydesk.db');
      const cli = (name: 'backup' | 'restore', args: string[], options: Omit<RelaydeskServerOptions, 'name'>) => runCli(name, args, relaydeskEnv({ ...options, name }), bed.workDir);

      // Link the mailbox (its Inbox empty: the first sync stores a delta link), then stop.
      const setup = bed.fleet.start({ ...original, name: 'setup' });
      await setup.listening();
      const mailboxId = await linkMailbox(setup, bed.sandbox, ADDRESS, await adminToken(bed.sandbox));
      expect(await waitFor(originalDb, deadline, async (s) => (await s.mailboxes.findById(mailboxId))?.delta_synced_at != null)).toBe(true);
      expect(await setup.stop()).toBe(0);

      // The backlog: conversations with replies, each from its own customer; a prefix of the plan is consistent.
      const plan: PlannedMessage[] = planMail({ addresses: [ADDRESS], threads: MESSAGES, replyRate: 0.2, seed: 17, tag: 'backup' }).slice(0, MESSAGES);
      await deliverMessages(bed.sandbox.control, plan, { startAt: Date.now(), concurrency: 16 });

      // Ingest; once some of it is committed, back up while the server goes on.
      const server = bed.fleet.start({ ...original, name: 'ingesting' });
      await server.listening();
      await server.process.waitForLog((l) => l.msg === SYNCING, 30_000);
      expect(await waitFor(originalDb, deadline, async (s) => (await recordsOf(s, plan)).length >= 100, 20)).toBe(true);
      const backupFile = path.join(bed.workDir, 'relaydesk-backup.db');
      const backup = await cli('backup', [backupFile], original);
      expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' });
      expect(backup.json).toMatchObject({ backup: backupFile, database: originalDb });
      expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);

      // Neither a second backup over the first nor a restore into the folder the server uses goes ahead.
      const again = await cli('backup', [backupFile], original);
      expect({ code: again.code, error: again.errorCode }).toEqual({ code: 1, error: 'file_exists' });
      const underServer = await cli('restore', [backupFile], original);
      expect({ code: underServer.code, error: underServer.errorCode }).toEqual({ code: 1, error: 'database_in_use' });

      // The original server finishes the backlog: what it recorded after the backup is read in the mailbox now.
      const appToken = await bed.sandbox.control.token({ roles: ['Mail.ReadWrite'] });
      expect(await waitUntilAllRead(bed.sandbox, appToken, [ADDRESS], deadline)).toBe(true);
      expect(await server.stop()).toBe(0);

      // Restore into a fresh data folder (same secret key: it opens the mailbox tokens in the backup).
      const restored = await bed.serverOptions({ syncIntervalMs: 200, dataDir: path.join(bed.workDir, 'restored'), secretKey: original.secretKey, port: await freePort() });
      const restoredDb = path.join(restored.dataDir, 'relaydesk.db');
      const restore = await cli('restore', [backupFile], restored);
      expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
      expect(restore.json).toMatchObject({ restored: backupFile, database: restoredDb, keptAs: null, mailboxes: [{ address: ADDRESS, takesAgainMailSince: expect.any(String) }] });

      // What the backup holds: taken mid-ingest, some messages recorded and some not.
      const before = await withStore(restoredDb, async (s) => ({ records: (await recordsOf(s, plan)).length, tickets: await s.tickets.search({ limit: 1_000_000 }) }));
      expect(before.records).toBeGreaterThan(0);
      expect(before.records).toBeLessThan(MESSAGES);

      // A server on the restored folder, against the same mailbox: it takes again what the backup missed.
      const second = bed.fleet.start({ ...restored, name: 'restored' });
      await second.listening();
      const complete = await waitFor(restoredDb, deadline, async (s) => (await recordsOf(s, plan)).length >= MESSAGES, 250);
      await second.process.waitForLog((l) => l.msg === TOOK_AGAIN, Math.max(1_000, deadline - Date.now()));
      // Any second take of a message would show now as a duplicate record: let a few more sync rounds run.
      await sleep(1_000);
      expect(await second.stop()).toBe(0);

      const after = await withStore(restoredDb, async (s) => ({
        check: await checkIngest(s, plan, new Map([[ADDRESS, mailboxId]])),
        tickets: new Map((await s.tickets.search({ limit: 1_000_000 })).map((t) => [t.id, t])),
      }));
      const unread = await unreadCount(bed.sandbox, appToken, ADDRESS);
      console.log(
        `backup and restore: ${MESSAGES} delivered; the backup held ${before.records} records and ${before.tickets.length} tickets; ` +
          `after the restored server: ${after.check.records} records, ${after.check.tickets} tickets, ${JSON.stringify(after.check.dispositions)}; unread: ${unread}`,
      );
      expect(complete).toBe(true);
      expect({ problems: after.check.problems.length, first: after.check.problems.slice(0, 20) }).toEqual({ problems: 0, first: [] });
      expect(after.check.records).toBe(MESSAGES);
      // Every ticket committed before the backup, as it was (its id, reference and subject).
      const missing = before.tickets.filter((t) => after.tickets.get(t.id)?.reference_tag !== t.reference_tag || after.tickets.get(t.id)?.subject !== t.subject);
      expect(missing.map((t) => t.id)).toEqual([]);
      expect(unread).toBe(0);
    },
    TEST_MS,
  );
});
