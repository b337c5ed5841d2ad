import MailComposer from 'nodemailer/lib/mail-composer';
import { DemoMailGenerator, type DemoMail } from '../../server/sandbox';
import { syncMailbox, type SyncDeps } from '../../server/inbound/sync/mailbox-sync';
import { SyncScheduler } from '../../server/inbound/sync/scheduler';
import type { MailboxRow } from '../../server/store/schema';
import { graphClient } from '../support/sandbox';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// Inbound end to end: mail delivered into sandbox mailboxes, synced through the real Graph SDK with the
// per-mailbox governor, filtered and ingested into the store.
let rd: RelaydeskWithSandbox;
let appToken: string;

const NO_BURST = { burst: { limit: 100_000 } };
const EXPECTED: Record<DemoMail['kind'], string[]> = {
  question: ['ticket_created'],
  html: ['ticket_created'],
  attachment: ['ticket_created'],
  cc: ['ticket_created'],
  'non-ascii': ['ticket_created'],
  reply: ['comment_added'],
  'auto-reply': ['suppressed'],
  newsletter: ['suppressed'],
  noreply: ['suppressed'],
  bounce: ['suppressed', 'bounce'],
};

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
});
afterAll(() => rd?.close());

let clock = Date.parse('2026-11-20T08:00:00Z');
/** Delivers in order, one second apart, so "oldest first" is the order of delivery. */
async function deliver(address: string, mail: { mime: Buffer }): Promise<{ id: string; internetMessageId: string }> {
  clock += 1000;
  const url = `${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(address)}/deliver?receivedDateTime=${new Date(clock).toISOString()}`;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mail.mime });
  if (response.status !== 201 && response.status !== 200) throw new Error(`deliver failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; internetMessageId: string };
}

async function unreadCount(address: string): Promise<number> {
  const folder = (await graphClient(rd.sandbox, appToken).api(`/users/${address}/mailFolders/inbox`).select('unreadItemCount').get()) as { unreadItemCount: number };
  return folder.unreadItemCount;
}

/** Syncs until the inbox has no unread mail left (a sync can end early on throttling). */
async function drain(deps: SyncDeps, mailbox: MailboxRow, maxSyncs = 30): Promise<void> {
  for (let i = 0; i < maxSyncs; i++) {
    try {
      const result = await syncMailbox(deps, mailbox);
      if (result.listed === 0) return;
    } catch (error) {
      if (i === maxSyncs - 1) throw error;
    }
  }
  throw new Error(`${mailbox.address} still has unread mail after ${maxSyncs} syncs`);
}

async function stats(address: string) {
  return (await rd.control<{ requests: number; maxInFlight: number; earlyRequests: number; throttled429: number }>('GET', `/sandbox/stats?mailbox=${encodeURIComponent(address)}`)).body;
}

describe('inbound sync', () => {
  it('turns 1,000 mixed messages in 3 mailboxes into the right tickets, comments and suppressions, none lost or duplicated, all read', async () => {
    const addresses = ['help@contoso.test', 'billing-in@contoso.test', 'orders@contoso.test'];
    const mailboxes = await Promise.all(addresses.map((a) => rd.linkMailbox(a)));
    const delivered: { mailbox: MailboxRow; mail: DemoMail; internetMessageId: string }[] = [];
    const generators = addresses.map((to, i) => new DemoMailGenerator({ to, seed: 1000 + i }));
    for (let n = 0; n < 1000; n++) {
      const i = n % 3;
      const mail = await generators[i]!.next();
      const { internetMessageId } = await deliver(addresses[i]!, mail);
      delivered.push({ mailbox: mailboxes[i]!, mail, internetMessageId });
    }

    const deps = rd.syncDeps({ settings: NO_BURST });
    await Promise.all(mailboxes.map((m) => drain(deps, m)));

    for (const address of addresses) expect(await unreadCount(address)).toBe(0);
    const created = new Set<number>();
    for (const { mailbox, mail, internetMessageId } of delivered) {
      const records = (await rd.store.mailMessages.findByMessageIds([internetMessageId])).filter((r) => r.mailbox_id === mailbox.id);
      expect(records).toHaveLength(1);
      expect({ kind: mail.kind, disposition: EXPECTED[mail.kind].includes(records[0]!.disposition) ? 'as expected' : records[0]!.disposition }).toEqual({ kind: mail.kind, disposition: 'as expected' });
      if (records[0]!.disposition === 'ticket_created') created.add(records[0]!.ticket_id!);
    }
    const tickets = await rd.store.tickets.search({ limit: 5000 });
    expect(tickets.length).toBe(created.size);
    // Every reply landed as a public comment from its customer on the ticket its thread started.
    const reply = delivered.find((d) => d.mail.kind === 'reply')!;
    const record = (await rd.store.mailMessages.findByMessageIds([reply.internetMessageId]))[0]!;
    const comments = await rd.store.tickets.listComments(record.ticket_id!);
    expect(comments.find((c) => c.id === record.comment_id)).toMatchObject({ visibility: 'public', source: 'email', author_email: reply.mail.from.address.toLowerCase() });
    // One acknowledgement queued per new ticket from a person who may be emailed.
    const outbox = await rd.store.outbox.listForTicket([...created][0]!);
    expect(outbox.map((o) => o.kind)).toEqual(['ticket_received']);
  }, 120_000);

  it('within a byte budget smaller than its pages and attachments, still records every message once, in order', async () => {
    // A budget of 96 KiB: 24 KiB per list page, so pages of 100 shrink to fit, and a body larger than
    // that (the 40 KB message) is listed without it and read from its MIME; attachments past their share
    // are read from the MIME too.
    const address = 'tight@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const generator = new DemoMailGenerator({ to: address, seed: 314 });
    const delivered: { mail: DemoMail; internetMessageId: string }[] = [];
    for (let n = 0; n < 60; n++) {
      const mail = await generator.next(n % 3 === 0 ? 'attachment' : 'question');
      delivered.push({ mail, internetMessageId: (await deliver(address, mail)).internetMessageId });
    }
    const big = new MailComposer({ from: 'big@example.net', to: address, subject: 'a long letter', messageId: '<long-letter@example.net>', text: 'lorem ipsum '.repeat(3500) });
    delivered.push({ mail: { kind: 'question' } as DemoMail, internetMessageId: (await deliver(address, { mime: await big.compile().build() })).internetMessageId });

    await drain(rd.syncDeps({ settings: { ...NO_BURST, ingestBatchBytes: 96 * 1024 } }), mailbox);
    expect(await unreadCount(address)).toBe(0);
    const records = await rd.store.mailMessages.findByMessageIds(delivered.map((d) => d.internetMessageId));
    expect(records.filter((r) => r.mailbox_id === mailbox.id)).toHaveLength(delivered.length);
    expect(new Set(records.map((r) => r.disposition))).toEqual(new Set(['ticket_created']));
    const letter = records.find((r) => r.internet_message_id === '<long-letter@example.net>')!;
    expect((await rd.store.tickets.listComments(letter.ticket_id!))[0]?.body_text.length).toBeGreaterThan(40_000);
    const withFiles = delivered.filter((d) => d.mail.kind === 'attachment').map((d) => records.find((r) => r.internet_message_id === d.internetMessageId)!);
    for (const record of withFiles) expect((await rd.store.attachments.listForTicket(record.ticket_id!)).length).toBeGreaterThan(0);
  });

  it('makes one ticket of an email that reached two linked mailboxes', async () => {
    const [a, b] = await Promise.all([rd.linkMailbox('twin-a@contoso.test'), rd.linkMailbox('twin-b@contoso.test')]);
    const mail = await new DemoMailGenerator({ to: 'twin-a@contoso.test', seed: 7 }).next('question');
    const first = await deliver(a!.address, mail);
    await deliver(b!.address, mail);
    const deps = rd.syncDeps({ settings: NO_BURST });
    await drain(deps, a!);
    await drain(deps, b!);
    const records = await rd.store.mailMessages.findByMessageIds([first.internetMessageId]);
    expect(records.map((r) => r.disposition).sort()).toEqual(['duplicate', 'ticket_created']);
    expect(new Set(records.map((r) => r.ticket_id)).size).toBe(1);
  });

  it('gets the same result under 20% 429 and 5% 503, obeying every Retry-After and never over 4 requests in flight', async () => {
    const address = 'faulty@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const generator = new DemoMailGenerator({ to: address, seed: 99 });
    const ids: string[] = [];
    for (let n = 0; n < 150; n++) ids.push((await deliver(address, await generator.next())).internetMessageId);
    await rd.control('POST', '/sandbox/stats/reset');
    await rd.control('PUT', '/sandbox/faults', { rate429: 0.2, rate503: 0.05, retryAfterSeconds: 1, mailbox: address });
    try {
      await drain(rd.syncDeps({ settings: { ...NO_BURST, pageSize: 25 }, clients: rd.newClients() }), mailbox, 60);
    } finally {
      await rd.control('PUT', '/sandbox/faults', {});
    }
    const s = await stats(address);
    expect(s.throttled429).toBeGreaterThan(0);
    expect(s.earlyRequests).toBe(0);
    expect(s.maxInFlight).toBeLessThanOrEqual(4);
    expect(await unreadCount(address)).toBe(0);
    for (const id of ids) expect((await rd.store.mailMessages.findByMessageIds([id])).filter((r) => r.mailbox_id === mailbox.id)).toHaveLength(1);
  }, 120_000);

  it('keeps what a sync read before a download failed: recorded at once, marked read by the next sync', async () => {
    const address = 'interrupted@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const generator = new DemoMailGenerator({ to: address, seed: 11 });
    const before = [await deliver(address, await generator.next('question')), await deliver(address, await generator.next('question'))];
    // A delivery report is the one kind of mail whose MIME the sync downloads.
    const report = await deliver(address, await generator.next('bounce'));
    const after = await deliver(address, await generator.next('question'));
    await rd.control('PUT', '/sandbox/faults', { rate503: 1, retryAfterSeconds: 0.2, mailbox: address, pathPattern: '/\\$value$' });
    try {
      await expect(syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox)).rejects.toMatchObject({ status: 503 });
    } finally {
      await rd.control('PUT', '/sandbox/faults', {});
    }
    const dispositions = async (ids: { internetMessageId: string }[]) =>
      (await rd.store.mailMessages.findByMessageIds(ids.map((m) => m.internetMessageId))).map((r) => r.disposition);
    expect(await dispositions(before)).toEqual(['ticket_created', 'ticket_created']);
    expect(await dispositions([report, after])).toEqual([]);
    expect(await unreadCount(address)).toBe(4);

    const next = await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
    expect(next).toMatchObject({ listed: 4, alreadyRecorded: 2, ingested: 2, markedRead: 4 });
    expect(await dispositions([report, after])).toEqual(['suppressed', 'ticket_created']);
    expect(await unreadCount(address)).toBe(0);
  });

  it('dead-letters an oversized message once, marks it read, and never downloads it again', async () => {
    const address = 'big@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const mime = await new Promise<Buffer>((resolve, reject) =>
      new MailComposer({ from: 'pat@example.test', to: address, subject: 'Scans', text: 'Attached.', attachments: [{ filename: 'scan.bin', content: Buffer.alloc(50_000, 7) }] })
        .compile()
        .build((e, m) => (e ? reject(e) : resolve(m))),
    );
    const { internetMessageId } = await deliver(address, { mime });
    const deps = rd.syncDeps({ settings: { maxMimeBytes: 20_000 } });
    const first = await syncMailbox(deps, mailbox);
    expect(first).toMatchObject({ listed: 1, deadLettered: 1, markedRead: 1 });
    const [record] = await rd.store.mailMessages.findByMessageIds([internetMessageId]);
    expect(record?.disposition).toBe('dead_letter');
    const letters = await rd.store.deadLetters.list({ state: 'open', limit: 10 });
    expect(letters.filter((l) => l.internet_message_id === internetMessageId).map((l) => l.reason_code)).toEqual(['too_large']);
    expect(await syncMailbox(deps, mailbox)).toMatchObject({ listed: 0 });
  });
});

describe('scheduler', () => {
  it('syncs a mailbox at once on request, and two instances sharing the store never ingest a message twice', async () => {
    const addresses = ['shared-1@contoso.test', 'shared-2@contoso.test'];
    const mailboxes = await Promise.all(addresses.map((a) => rd.linkMailbox(a)));
    const ids: string[] = [];
    for (const [i, address] of addresses.entries()) {
      const generator = new DemoMailGenerator({ to: address, seed: 300 + i });
      for (let n = 0; n < 60; n++) ids.push((await deliver(address, await generator.next())).internetMessageId);
    }
    const options = { intervalMs: 50, leaseMs: 10_000, maxConcurrent: 4 };
    const one = new SyncScheduler(rd.syncDeps({ settings: NO_BURST, clients: rd.newClients() }), { ...options, instanceId: 'one' });
    const two = new SyncScheduler(rd.syncDeps({ settings: NO_BURST, clients: rd.newClients() }), { ...options, instanceId: 'two' });
    one.start();
    two.start();
    try {
      for (let waited = 0; (await Promise.all(addresses.map(unreadCount))).some((n) => n > 0); waited += 100) {
        if (waited > 60_000) throw new Error('the schedulers did not drain the inboxes');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
    for (const id of ids) {
      const records = await rd.store.mailMessages.findByMessageIds([id]);
      expect(records.filter((r) => mailboxes.some((m) => m.id === r.mailbox_id))).toHaveLength(1);
    }
    const rows = await Promise.all(mailboxes.map((m) => rd.store.mailboxes.findById(m.id)));
    for (const row of rows) expect(row).toMatchObject({ lease_owner: null, consecutive_failures: 0, last_error_code: null });
  }, 90_000);

  it('moves a mailbox whose grant was revoked to needs_reauth while the others keep ingesting', async () => {
    const [revoked, healthy] = await Promise.all([rd.linkMailbox('revoked@contoso.test'), rd.linkMailbox('healthy@contoso.test')]);
    await deliver(revoked!.address, await new DemoMailGenerator({ to: revoked!.address, seed: 1 }).next('question'));
    await deliver(healthy!.address, await new DemoMailGenerator({ to: healthy!.address, seed: 2 }).next('question'));
    await rd.control('POST', '/sandbox/grants/revoke', { upn: revoked!.address });
    const scheduler = new SyncScheduler(rd.syncDeps(), { intervalMs: 60_000, leaseMs: 10_000, maxConcurrent: 4, instanceId: 'revocation' });
    await Promise.all([scheduler.syncNow(revoked!.id), scheduler.syncNow(healthy!.id)]);
    await scheduler.stop();
    expect(await rd.store.mailboxes.findById(revoked!.id)).toMatchObject({ state: 'needs_reauth', consecutive_failures: 1 });
    expect(await rd.store.mailboxes.findById(healthy!.id)).toMatchObject({ state: 'active', messages_ingested: 1, consecutive_failures: 0 });
    expect(await unreadCount(healthy!.address)).toBe(0);
    expect(await unreadCount(revoked!.address)).toBe(1);
  });
});
