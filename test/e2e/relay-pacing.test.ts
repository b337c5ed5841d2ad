import MailComposer from 'nodemailer/lib/mail-composer';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import { DEFAULT_RELAY_SETTINGS, RelayWorker, SETTLED_AS_SENT } from '../../server/outbound/relay-worker';
import { createLogger } from '../../server/logger';
import { checkExactlyOnce } from '../support/processes/outbox-check';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';
import type { SentMessage } from '../support/sandbox';
import { maxInWindow } from '../support/rolling-window';

// Issue 13, "Must show": 200 acknowledgements queued at once from one mailbox are sent at Exchange Online's
// own pace (30 a minute, the real minute: this test takes about seven), none twice, all delivered, while the
// sandbox behaves as Exchange does: each message in Drafts, then the Outbox, and in Sent Items only 1 to 30 s
// after it left; and 5% of the sends go out but answer 504 (the answer lost at the gateway), which the relay
// must settle by finding them in the mailbox (Outbox or Sent Items), never by sending again.

const MAILBOX = 'pacing@contoso.test';
const ACKS = 200;
const PER_MINUTE = 30;
const MINUTE_MS = 60_000;
const TEST_MS = 12 * 60_000;

let rd: RelaydeskWithSandbox;

beforeAll(async () => {
  // Exchange's own delays, not the short ones other tests take: Sent Items filing late is the point here.
  rd = await startRelaydeskWithSandbox({ sandbox: { outboxDelayMs: { min: 100, max: 2_000 }, sentItemsDelayMs: { min: 1_000, max: 30_000 } } });
});
afterAll(() => rd?.close());

async function sentLog(): Promise<SentMessage[]> {
  return (await rd.control<SentMessage[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(MAILBOX)}/sent`)).body;
}

async function sentItemsCount(): Promise<number> {
  const token = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
  const res = await fetch(`${rd.sandbox.graphBaseUrl}/users/${MAILBOX}/mailFolders/sentitems`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { totalItemCount: number }).totalItemCount;
}

describe('relay pacing', () => {
  it(
    `sends ${ACKS} acknowledgements from one mailbox exactly once, never more than ${PER_MINUTE} a minute, with Sent Items filed late and lost answers settled`,
    async () => {
      const mailbox = await rd.linkMailbox(MAILBOX);
      // 200 customers write in at once (each their own sender, so no burst rule holds any back).
      for (let i = 0; i < ACKS; i++) {
        const mime = await new MailComposer({ from: `customer-${i}@fabrikam.test`, to: MAILBOX, subject: `Order ${i} is late`, text: `Where is order ${i}?` }).compile().build();
        const res = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(MAILBOX)}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
        expect(res.status).toBe(201);
      }
      const syncDeps = rd.syncDeps();
      while (((await rd.store.outbox.countByState())['pending'] ?? 0) < ACKS) await syncMailbox(syncDeps, mailbox);
      expect(await rd.store.outbox.countByState()).toEqual({ pending: ACKS });

      await rd.control('PUT', '/sandbox/faults', { rate504: 0.05, afterEffect: true, pathPattern: 'sendMail$', mailbox: MAILBOX });
      const logs: Record<string, unknown>[] = [];
      const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
      // The server's pacing (Exchange's limits) and second look; a shorter settle only so the test ends sooner.
      const worker = new RelayWorker({ store: rd.store, clients: rd.newClients(), logger, settings: { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: 'relaydesk.test', unknownOutcomeSettleMs: 20_000, secondLookMs: 5_000 } });
      const started = Date.now();
      let filedLate = false;
      worker.start();
      try {
        for (;;) {
          const counts = await rd.store.outbox.countByState();
          // The relay records a send when Exchange accepted it; Sent Items shows it only later.
          if (!filedLate && (counts['sent'] ?? 0) >= 10 && (await sentItemsCount()) < (counts['sent'] ?? 0)) filedLate = true;
          if ((counts['sent'] ?? 0) + (counts['failed'] ?? 0) === ACKS) break;
          if (Date.now() - started > TEST_MS - 90_000) throw new Error(`outbox not drained: ${JSON.stringify(counts)}`);
          await new Promise((r) => setTimeout(r, 1_000));
        }
      } finally {
        await worker.stop();
        await rd.control('PUT', '/sandbox/faults', {});
      }
      const drainMs = Date.now() - started;

      const rows = (await Promise.all((await rd.store.tickets.search({ mailboxId: mailbox.id, limit: 1_000 })).map((t) => rd.store.outbox.listForTicket(t.id)))).flat();
      // Exchange files the last copies up to 30 s after they left.
      const log = await (async () => {
        for (;;) {
          const l = await sentLog();
          if (l.every((s) => s.filedAt !== null) || Date.now() - started > TEST_MS - 20_000) return l;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      })();
      const check = checkExactlyOnce(rows, new Map([[mailbox.id, log]]));
      const submitted = log.map((s) => Date.parse(s.submittedAt));
      const left = log.map((s) => Date.parse(s.sentAt ?? ''));
      const waitedInOutbox = log.map((s) => Date.parse(s.sentAt ?? '') - Date.parse(s.submittedAt));
      const filingDelays = log.map((s) => Date.parse(s.filedAt ?? '') - Date.parse(s.sentAt ?? ''));
      const settled = logs.filter((l) => l['msg'] === SETTLED_AS_SENT);
      console.log(
        [
          `relay pacing: ${ACKS} acknowledgements from ${MAILBOX} in ${(drainMs / 1000).toFixed(0)} s`,
          `  most accepted in any minute ${maxInWindow(submitted, MINUTE_MS)}, most left in any minute ${maxInWindow(left, MINUTE_MS)}; longest wait in the Outbox ${Math.max(...waitedInOutbox)} ms`,
          `  Sent Items filed ${Math.min(...filingDelays)}-${Math.max(...filingDelays)} ms after leaving; relay ahead of Sent Items seen: ${filedLate}`,
          `  lost answers settled as sent: ${settled.length} (found in ${[...new Set(settled.map((l) => String(l['foundIn'])))].join(', ')})`,
          `  sent log ${check.sentEntries} entries, ${check.distinctSent} distinct, ${check.duplicated} duplicated, ${check.missing} missing, ${check.unexpected} unexpected`,
          ...check.problems.map((p) => `  PROBLEM: ${p}`),
        ].join('\n'),
      );

      expect(check.problems).toEqual([]);
      expect({ rows: rows.length, sentEntries: check.sentEntries, distinct: check.distinctSent, duplicated: check.duplicated }).toEqual({ rows: ACKS, sentEntries: ACKS, distinct: ACKS, duplicated: 0 });
      // Every customer got their acknowledgement (the sandbox delivered it when it left).
      expect(log.every((s) => s.sentAt !== null)).toBe(true);
      // Paced by the relay: Exchange never had to hold one back for a minute (each left after its move from
      // Drafts, at most 2 s; a loaded machine's timers are given some slack).
      expect(maxInWindow(submitted, MINUTE_MS)).toBeLessThanOrEqual(PER_MINUTE);
      expect(maxInWindow(left, MINUTE_MS)).toBeLessThanOrEqual(PER_MINUTE);
      expect(Math.max(...waitedInOutbox)).toBeLessThan(10_000);
      // 200 at 30 a minute: the last ones cannot leave before six minutes have passed.
      expect(drainMs).toBeGreaterThan(6 * MINUTE_MS - 5_000);
      // Sent Items late: every copy at least a second after it left, and the relay never waited for them.
      expect(Math.min(...filingDelays)).toBeGreaterThanOrEqual(1_000);
      expect(filedLate).toBe(true);
      // Some answers were lost at the gateway, and every one was settled from the mailbox, not resent.
      expect(settled.length).toBeGreaterThan(0);
    },
    TEST_MS,
  );
});
