import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ATTACHMENT_OVER_SIZE_CAP } from '../../server/inbound/mail/mail-fields';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../../server/inbound/mail/mime-to-inbound';
import { Store } from '../../server/store/store';
import { adminToken, linkMailbox, unreadCount, waitUntilAllRead, type RelaydeskServer } from '../support/processes/relaydesk-server';
import { processTestBed } from '../support/processes/test-bed';

// Issue 11, "Bounded sync memory": a sync lists and reads a mailbox page by page within a byte budget
// (SyncSettings.ingestBatchBytes) and downloads MIME one message at a time, so a backlog far larger than the
// server's heap is ticketed without running out of memory. 60 unread messages of 20 MB (1.2 GB of
// attachments, about 1.6 GB of MIME) are synced by a server child process limited to a 512 MB heap.
//
// Attachments over 4 MB come without contentBytes in `$expand=attachments` (as in Exchange), so every one of
// these messages is read from its MIME: the path that holds the most memory per message.
//
// A leak of Buffers would not show as a heap OOM (Buffers live outside the V8 heap), so the child's peak
// resident size is bounded too.

const ADDRESS = 'memory@contoso.test';
const MESSAGES = 60;
/** Message i's attachment has ATTACHMENT_BYTES + i bytes, so each attachment row can be told apart. */
const ATTACHMENT_BYTES = 20 * 1024 * 1024;
const HEAP_LIMIT_MB = 512;
/**
 * The child's peak resident size may not pass this: the heap limit, plus the parse workers (whose heaps are
 * limited separately) and one MIME download in flight, but far below the backlog itself (about 1.6 GB).
 */
const MAX_PEAK_RSS_MB = 1200;
const TEST_MS = 8 * 60_000;

const bed = processTestBed('relaydesk-sync-memory-');

interface Delivered {
  messageId: string;
  filename: string;
  size: number;
}

/**
 * A customer's email with one attachment of `size` random bytes, built by hand (base64 in 76-character lines)
 * because composing 60 of them with a MIME library takes longer than the sync under test. Each message has its
 * own sender, so the sender burst limit does not apply.
 */
function composeLarge(i: number, size: number): { mime: Buffer; delivered: Delivered } {
  const content = randomBytes(size);
  const messageId = `<memory-${i}-${content.subarray(0, 8).toString('hex')}@fabrikam.example>`;
  const filename = `scan-${String(i).padStart(2, '0')}.bin`;
  const boundary = `----=_memory_${i}_${randomBytes(8).toString('hex')}`;
  const head = [
    `From: Customer ${i} <customer-${i}@fabrikam.example>`,
    `To: ${ADDRESS}`,
    `Subject: Scanned contract ${i}`,
    `Message-ID: ${messageId}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    `Please find the scanned contract ${i} attached.`,
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  const base64 = content.toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 76) lines.push(base64.slice(at, at + 76));
  const mime = Buffer.from(`${head}${lines.join('\r\n')}\r\n--${boundary}--\r\n`, 'latin1');
  return { mime, delivered: { messageId, filename, size } };
}

/** A field of /proc/<pid>/status in MB (Linux), e.g. VmHWM: the peak resident set size so far. */
function procStatusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Lines of the child's output that say V8 or Node gave up (a heap OOM aborts with these on stderr). */
function fatalLines(server: RelaydeskServer): string[] {
  return server.process
    .output()
    .split('\n')
    .filter((l) => /heap out of memory|FATAL ERROR|Allocation failed|ERR_WORKER_OUT_OF_MEMORY/i.test(l))
    .slice(0, 5);
}

describe('sync memory', () => {
  it(
    `tickets ${MESSAGES} unread messages of 20 MB each with the server under a ${HEAP_LIMIT_MB} MB heap`,
    async () => {
      const started = Date.now();
      const base = await bed.serverOptions({ syncIntervalMs: 200, nodeOptions: `--max-old-space-size=${HEAP_LIMIT_MB}` });
      const { dataDir } = base;

      // Link the mailbox (empty) through the API, then stop, so the measured run starts with the whole backlog.
      const setup = bed.fleet.start({ ...base, name: 'setup' });
      await setup.listening();
      const mailboxId = await linkMailbox(setup, bed.sandbox, ADDRESS, await adminToken(bed.sandbox, 'memory-admin@contoso.test'));
      // Workers warm, so the idle size below counts them, and the stop is the ordinary one.
      await setup.process.waitForLog((l) => l.msg === 'parse workers ready: syncing mailboxes', 60_000);
      const idleRss = procStatusMb(setup.process.child.pid, 'VmRSS');
      expect(await setup.stop()).toBe(0);

      // Composed and delivered one at a time: the test process holds one message besides the sandbox's store.
      const delivered: Delivered[] = [];
      let mimeBytes = 0;
      for (let i = 0; i < MESSAGES; i++) {
        const { mime, delivered: d } = composeLarge(i, ATTACHMENT_BYTES + i);
        await bed.sandbox.control.deliver(ADDRESS, mime);
        mimeBytes += mime.length;
        delivered.push(d);
      }
      const deliveredMs = Date.now() - started;
      const appToken = await bed.sandbox.control.token({ roles: ['Mail.ReadWrite'] });
      expect(await unreadCount(bed.sandbox, appToken, ADDRESS)).toBe(MESSAGES);

      const server = bed.fleet.start({ ...base, name: 'sync' });
      await server.listening();
      const syncStarted = Date.now();
      let peakSampledRss = 0;
      const sampler = setInterval(() => {
        peakSampledRss = Math.max(peakSampledRss, procStatusMb(server.process.child.pid, 'VmRSS') ?? 0);
      }, 250);
      let allRead: boolean;
      try {
        allRead = await waitUntilAllRead(bed.sandbox, appToken, [ADDRESS], started + TEST_MS - 30_000, 500);
      } finally {
        clearInterval(sampler);
      }
      const syncMs = Date.now() - syncStarted;
      const peakRss = procStatusMb(server.process.child.pid, 'VmHWM');
      const exitCode = await server.stop(30_000);
      const fatal = fatalLines(server);
      const unread = await unreadCount(bed.sandbox, appToken, ADDRESS);

      const store = await Store.open({ kind: 'sqlite', file: path.join(dataDir, 'relaydesk.db') });
      const rows: { messageId: string; disposition: string | undefined; reason: string | null | undefined; attachments: { filename: string; size: number; omitted: string | null }[] }[] = [];
      let deadLetters: number;
      try {
        const records = await store.mailMessages.findByMessageIds(delivered.map((d) => d.messageId));
        for (const d of delivered) {
          const record = records.find((r) => r.internet_message_id === d.messageId && r.mailbox_id === mailboxId && r.direction === 'inbound');
          const attachments = record?.ticket_id != null ? await store.attachments.listForTicket(record.ticket_id) : [];
          rows.push({
            messageId: d.messageId,
            disposition: record?.disposition,
            reason: record?.disposition_reason,
            attachments: attachments.map((a) => ({ filename: a.filename, size: a.size, omitted: a.omitted_reason })),
          });
        }
        deadLetters = (await store.deadLetters.list({ limit: 1000 })).length;
      } finally {
        await store.close();
      }

      const ticketed = rows.filter((r) => r.disposition === 'ticket_created').length;
      const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
      console.log(
        [
          `sync memory: ${MESSAGES} messages, ${mb(ATTACHMENT_BYTES)} MB attachment each, ${mb(mimeBytes)} MB of MIME in all; child NODE_OPTIONS=${base.nodeOptions}`,
          `  delivered to the bed.sandbox in ${deliveredMs} ms (including linking)`,
          `  synced (all read: ${allRead}) in ${syncMs} ms after "listening", ${Math.round(syncMs / MESSAGES)} ms a message`,
          `  child peak RSS (VmHWM): ${peakRss ?? 'n/a'} MB; highest sampled VmRSS: ${peakSampledRss} MB; RSS of a server with nothing to sync: ${idleRss ?? 'n/a'} MB`,
          `  exit code on SIGTERM: ${exitCode}; fatal lines: ${fatal.length ? fatal.join(' | ') : 'none'}`,
          `  ${ticketed} ticketed, ${deadLetters} dead letters, ${unread} unread left; dispositions: ${JSON.stringify(countBy(rows.map((r) => `${r.disposition ?? 'missing'}${r.reason ? ` (${r.reason})` : ''}`)))}`,
          `  total ${Date.now() - started} ms`,
        ].join('\n'),
      );

      expect(fatal).toEqual([]);
      expect(exitCode).toBe(0);
      expect(allRead).toBe(true);
      expect(unread).toBe(0);
      expect(deadLetters).toBe(0);
      // Every message its own ticket, with its attachment recorded at its exact size: the MIME was read whole.
      // Content over the attachment cap (DEFAULT_MAX_ATTACHMENT_BYTES, 10 MB) is not kept; the row says why.
      expect(rows).toEqual(
        delivered.map((d) => ({
          messageId: d.messageId,
          disposition: 'ticket_created',
          reason: null,
          attachments: [{ filename: d.filename, size: d.size, omitted: d.size > DEFAULT_MAX_ATTACHMENT_BYTES ? ATTACHMENT_OVER_SIZE_CAP : null }],
        })),
      );
      // /proc is Linux's; elsewhere the heap limit and the exit code are all this test checks.
      if (process.platform === 'linux') expect(peakRss).toBeLessThan(MAX_PEAK_RSS_MB);
    },
    TEST_MS,
  );
});

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
