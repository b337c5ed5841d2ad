import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { syncMailbox, type SyncDeps } from '../../server/inbound/sync/mailbox-sync';
import type { MailboxRow } from '../../server/store/schema';
import { graphClient, type SandboxStats } from '../support/sandbox';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// Large inbound mail against Exchange's gateway as the sandbox plays it by default: a list page whose JSON
// passes 3 MB answers 504, and `$expand=attachments` leaves out the content of attachments over 4 MB. CI also
// runs this file with SANDBOX_CONCURRENCY_SCOPE=app (the 4-concurrent limit counted across mailboxes).

let rd: RelaydeskWithSandbox;
let appToken: string;
const NO_BURST = { burst: { limit: 100_000 } };

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
});
afterAll(() => rd?.close());

// Received from now on, as Exchange stamps delivery: the delta link of a mailbox's first sync sees it.
let clock = Date.now();
/** Delivers in order, one second apart, so "oldest first" is the order of delivery. */
async function deliver(address: string, mime: Buffer): Promise<string> {
  clock += 1000;
  const url = `${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(address)}/deliver?receivedDateTime=${new Date(clock).toISOString()}`;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
  if (response.status !== 201) throw new Error(`deliver failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { internetMessageId: string }).internetMessageId;
}

function compose(input: { to: string; from: string; subject: string; text: string; attachments?: { filename: string; content: Buffer }[] }): Promise<Buffer> {
  return new MailComposer(input).compile().build();
}

async function unreadCount(address: string): Promise<number> {
  return ((await graphClient(rd.sandbox, appToken).api(`/users/${address}/mailFolders/inbox`).select('unreadItemCount').get()) as { unreadItemCount: number }).unreadItemCount;
}

async function stats(address: string): Promise<SandboxStats> {
  return (await rd.control<SandboxStats>('GET', `/sandbox/stats?mailbox=${encodeURIComponent(address)}`)).body;
}

/** Syncs until the inbox has no unread mail left (a sync can end early on throttling). */
async function drain(deps: SyncDeps, mailbox: MailboxRow, maxSyncs = 20): Promise<void> {
  for (let i = 0; i < maxSyncs; i++) {
    try {
      if ((await syncMailbox(deps, mailbox)).listed === 0) return;
    } catch (error) {
      if (i === maxSyncs - 1) throw error;
    }
  }
  throw new Error(`${mailbox.address} still has unread mail after ${maxSyncs} syncs`);
}

describe('large inbound mail', () => {
  it('tickets mail with 8 MB attachments beside 1 MB ones, each attachment kept whole, through the gateway timeouts of large attachment pages', async () => {
    const address = 'large@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const expected: { internetMessageId: string; filename: string; size: number }[] = [];
    for (let i = 0; i < 9; i++) {
      // Each size differs, so each attachment row is told apart; 8 MB ones are read from their MIME.
      const size = (i % 3 === 0 ? 8 * 1024 * 1024 : 1024 * 1024) + i;
      const filename = `scan-${i}.bin`;
      const mime = await compose({ from: `customer-${i}@fabrikam.example`, to: address, subject: `Scan ${i}`, text: `Scan ${i} attached.`, attachments: [{ filename, content: randomBytes(size) }] });
      expected.push({ internetMessageId: await deliver(address, mime), filename, size });
    }
    await rd.control('POST', '/sandbox/stats/reset');

    await drain(rd.syncDeps({ settings: NO_BURST }), mailbox);

    expect(await unreadCount(address)).toBe(0);
    const records = await rd.store.mailMessages.findByMessageIds(expected.map((e) => e.internetMessageId));
    const rows = [];
    for (const e of expected) {
      const record = records.find((r) => r.internet_message_id === e.internetMessageId && r.mailbox_id === mailbox.id);
      const attachments = record?.ticket_id != null ? await rd.store.attachments.listForTicket(record.ticket_id) : [];
      rows.push({ disposition: record?.disposition, attachments: attachments.map((a) => ({ filename: a.filename, size: a.size, omitted: a.omitted_reason })) });
    }
    expect(rows).toEqual(expected.map((e) => ({ disposition: 'ticket_created', attachments: [{ filename: e.filename, size: e.size, omitted: null }] })));
    // Ten 1 MB attachments with their content make a page the gateway refuses: the sync met the 504 rule.
    expect((await stats(address)).gatewayTimeouts).toBeGreaterThan(0);
  }, 120_000);

  it('halves its list page after a 504, remembers the size for the next sync of that mailbox, and a fresh process learns it again', async () => {
    const address = 'wide@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    // 40 messages of about 110 KB of text: a page of all 40 passes 3 MB, a page of 25 does not.
    const deliverForty = async (round: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        ids.push(await deliver(address, await compose({ from: `writer-${round}-${i}@fabrikam.example`, to: address, subject: `Long letter ${round}.${i}`, text: `${'lorem ipsum '.repeat(9_200)}${round}.${i}` })));
      }
      return ids;
    };
    const syncOnce = async (deps: SyncDeps, ids: string[]) => {
      await rd.control('POST', '/sandbox/stats/reset');
      const result = await syncMailbox(deps, mailbox);
      const records = (await rd.store.mailMessages.findByMessageIds(ids)).filter((r) => r.mailbox_id === mailbox.id);
      return { result, ticketed: records.filter((r) => r.disposition === 'ticket_created').length, gatewayTimeouts: (await stats(address)).gatewayTimeouts };
    };
    const deps = rd.syncDeps({ settings: NO_BURST, clients: rd.newClients() });

    // $top 200 (the default page), 100 and then 50 time out; 25 fits.
    const first = await syncOnce(deps, await deliverForty(1));
    expect(first).toMatchObject({ result: { listed: 40, ingested: 40 }, ticketed: 40, gatewayTimeouts: 3 });

    const second = await syncOnce(deps, await deliverForty(2));
    expect(second).toMatchObject({ result: { listed: 40, ingested: 40 }, ticketed: 40, gatewayTimeouts: 0 });

    // The memory is the process's: new clients start at the configured size and meet the gateway again.
    const third = await syncOnce(rd.syncDeps({ settings: NO_BURST, clients: rd.newClients() }), await deliverForty(3));
    expect(third).toMatchObject({ result: { listed: 40, ingested: 40 }, ticketed: 40, gatewayTimeouts: 3 });
    expect(await unreadCount(address)).toBe(0);
  }, 120_000);
});
