import MailComposer from 'nodemailer/lib/mail-composer';
import { markRead } from '../../server/graph/mail-operations';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import { graphClient } from '../support/sandbox';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// A stop (SIGTERM, or a lost lease) during the after-ingest action: marking a pass's mail read is $batch
// requests of 20, one after another, up to 50 of them for a full pass; a stop waited for all of them, far
// past SHUTDOWN_TIMEOUT_MS against Exchange. Now no request is sent once the stop is asked for, and the
// next sync finds those messages recorded and only marks them.

const NO_BURST = { burst: { limit: 100_000 } };
let rd: RelaydeskWithSandbox;
let appToken: string;

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
});
afterAll(() => rd?.close());

async function deliverMany(address: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const mime = await new MailComposer({ from: `customer-${i}@example.com`, to: address, subject: `Question ${i}`, text: 'Hello?' }).compile().build();
    const response = await fetch(`${rd.sandbox.baseUrl}/sandbox/mailboxes/${encodeURIComponent(address)}/deliver`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mime });
    if (response.status >= 300) throw new Error(`deliver failed: ${response.status}`);
  }
}

async function unread(address: string): Promise<{ count: number; ids: string[] }> {
  const graph = graphClient(rd.sandbox, appToken);
  const folder = (await graph.api(`/users/${address}/mailFolders/inbox`).select('unreadItemCount').get()) as { unreadItemCount: number };
  const page = (await graph.api(`/users/${address}/mailFolders/inbox/messages`).filter('isRead eq false').select('id').top(100).get()) as { value: { id: string }[] };
  return { count: folder.unreadItemCount, ids: page.value.map((m) => m.id) };
}

it('markRead sends no further $batch once told to stop, and reports the rest as skipped', async () => {
  const address = 'mark-stop@contoso.test';
  const mailbox = await rd.linkMailbox(address);
  await deliverMany(address, 50);
  const { ids } = await unread(address);
  expect(ids).toHaveLength(50);

  let asked = 0;
  // Yes to the first batch of 20, then the stop.
  const result = await markRead(rd.clients.client(mailbox.id), address, ids, undefined, undefined, () => asked++ === 0);
  expect(result.done).toHaveLength(20);
  expect(result.failed).toEqual([]);
  expect(result.skipped).toEqual(ids.slice(20));
  expect((await unread(address)).count).toBe(30);
});

it('a sync stopped before its after-ingest action leaves it (and the delta link) to the next sync, which only marks', async () => {
  const address = 'sync-stop@contoso.test';
  const mailbox = await rd.linkMailbox(address);
  await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
  const linkBefore = (await rd.store.mailboxes.findById(mailbox.id))?.delta_link;
  await deliverMany(address, 30);

  let ingested = 0;
  const deps = { ...rd.syncDeps({ settings: NO_BURST }), onIngested: () => void ingested++ };
  // Every message is read and recorded; the stop comes as the action is about to start.
  const stopped = await syncMailbox(deps, mailbox, () => ingested < 30);
  expect(stopped).toMatchObject({ ingested: 30, markedRead: 0 });
  expect(stopped.oldestUnreadAt).not.toBeNull();
  expect((await rd.store.mailboxes.findById(mailbox.id))?.delta_link).toBe(linkBefore);
  expect((await unread(address)).count).toBe(30);

  const next = await syncMailbox(rd.syncDeps({ settings: NO_BURST }), mailbox);
  expect(next).toMatchObject({ ingested: 0, alreadyRecorded: 30, markedRead: 30, oldestUnreadAt: null });
  expect((await rd.store.mailboxes.findById(mailbox.id))?.delta_link).not.toBe(linkBefore);
  expect((await unread(address)).count).toBe(0);
});
