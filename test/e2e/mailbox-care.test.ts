import request from 'supertest';
import { syncMailbox } from '../../server/inbound/sync/mailbox-sync';
import type { MailboxRow } from '../../server/store/schema';
import { normalizeMessageId } from '../../server/tickets/message-id';
import { graphClient, SandboxControl } from '../support/sandbox';
import { startRelaydeskWithSandbox, type RelaydeskWithSandbox } from '../support/relaydesk-with-sandbox';

// Mailbox care end to end: the Inbox's delta link, what becomes of mail after ingest, and the first-sync
// choice, through the real Graph SDK against the sandbox.
let rd: RelaydeskWithSandbox;
let control: SandboxControl;
let appToken: string;
let adminToken: string;
const ADMIN = 'care-admin@contoso.test';
const NO_BURST = { burst: { limit: 100_000 } };

beforeAll(async () => {
  rd = await startRelaydeskWithSandbox();
  control = new SandboxControl(rd.sandbox.baseUrl);
  appToken = (await rd.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).body.access_token;
  await control.createUser({ upn: ADMIN, roles: ['Relaydesk.Admin'] });
  adminToken = await rd.apiToken(ADMIN);
});
afterAll(() => rd?.close());

let sequence = 0;
/** A plain customer email; `receivedDateTime` backdates it, `isRead` files it read. */
async function deliver(address: string, options: { receivedDateTime?: string; isRead?: boolean; from?: string; inReplyTo?: string } = {}): Promise<{ id: string; internetMessageId: string }> {
  sequence++;
  const mime = [
    `From: Customer ${sequence} <${options.from ?? `customer${sequence}@fabrikam.test`}>`,
    `To: ${address}`,
    `Subject: ${options.inReplyTo ? 'Re: ' : ''}Question ${sequence}`,
    `Message-ID: <care-${sequence}-${Date.now()}@fabrikam.test>`,
    ...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`, `References: ${options.inReplyTo}`] : []),
    `Date: ${new Date(options.receivedDateTime ?? Date.now()).toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello, this is question ${sequence}.`,
    '',
  ].join('\r\n');
  return control.deliver(address, mime, { ...(options.receivedDateTime ? { receivedDateTime: options.receivedDateTime } : {}), ...(options.isRead ? { isRead: 'true' } : {}) });
}

const deps = (settings = {}) => rd.syncDeps({ settings: { ...NO_BURST, ...settings } });
const row = async (id: number): Promise<MailboxRow> => (await rd.store.mailboxes.findById(id))!;
const graph = () => graphClient(rd.sandbox, appToken);
const api = () => ({
  patch: (path: string, body: unknown) => request(rd.app).patch(path).set('Authorization', `Bearer ${adminToken}`).send(body as object),
  post: (path: string, body: unknown) => request(rd.app).post(path).set('Authorization', `Bearer ${adminToken}`).send(body as object),
  get: (path: string) => request(rd.app).get(path).set('Authorization', `Bearer ${adminToken}`),
});

/** The records of a Message-ID (one per mailbox that received it). */
async function recordsOf(internetMessageId: string) {
  return rd.store.mailMessages.findByMessageIds([normalizeMessageId(internetMessageId)!]);
}

async function ticketsOf(internetMessageId: string): Promise<number[]> {
  return (await recordsOf(internetMessageId)).map((r) => r.ticket_id).filter((t): t is number => t !== null);
}

async function isRead(address: string, graphId: string): Promise<boolean> {
  return ((await graph().api(`/users/${address}/messages/${graphId}`).select('isRead').get()) as { isRead: boolean }).isRead;
}

async function statsOf(address: string) {
  return control.stats(address);
}

describe('delta sync', () => {
  it('takes a baseline on the first sync, then ingests new mail through the delta link without listing the inbox', async () => {
    const address = 'delta@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const first = await deliver(address);
    const firstSync = await syncMailbox(deps(), mailbox);
    expect(firstSync.ingested).toBe(1);
    const linked = await row(mailbox.id);
    expect(linked.delta_link).toContain('deltatoken');
    expect(linked.delta_synced_at).not.toBeNull();
    expect(await isRead(address, first.id)).toBe(true);

    await control.call('POST', '/stats/reset');
    const second = await deliver(address);
    const result = await syncMailbox(deps(), mailbox);
    expect(result).toMatchObject({ ingested: 1, listed: 1 });
    const stats = await statsOf(address);
    expect(stats.deltaRequests).toBeGreaterThanOrEqual(1);
    // One page of unread mail from the new message on, for its body: not a listing of the inbox.
    expect(stats.listRequests).toBe(1);
    expect(await ticketsOf(second.internetMessageId)).toHaveLength(1);
    expect(await isRead(address, second.id)).toBe(true);
    expect((await row(mailbox.id)).delta_link).not.toBe(linked.delta_link);

    // The mark-read comes back as an update, read: nothing to take, nothing listed.
    await control.call('POST', '/stats/reset');
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0, listed: 0 });
    expect(await statsOf(address)).toMatchObject({ listRequests: 0, deltaRequests: 1 });
  });

  it('finds mail moved into the Inbox with its old receivedDateTime through the net listing, which delta alone cannot see', async () => {
    const address = 'delta-moved-in@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    await syncMailbox(deps(), mailbox);
    // As a message rescued from Junk Email keeps the time it was first received.
    const rescued = await deliver(address, { receivedDateTime: new Date(Date.now() - 3 * 24 * 3600_000).toISOString() });
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0 });
    expect(await ticketsOf(rescued.internetMessageId)).toHaveLength(0);

    expect(await syncMailbox(deps(), mailbox, () => true, { netListing: true })).toMatchObject({ ingested: 1 });
    expect(await ticketsOf(rescued.internetMessageId)).toHaveLength(1);
    expect(await isRead(address, rescued.id)).toBe(true);
    // Found once: the next listing only sees it read.
    expect(await syncMailbox(deps(), mailbox, () => true, { netListing: true })).toMatchObject({ ingested: 0 });
  });

  it('recovers from a lost sync state (410): clears the link, lists unread mail, ingests it once and stores a new link', async () => {
    const address = 'delta-410@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    await syncMailbox(deps(), mailbox);
    const before = (await row(mailbox.id)).delta_link;
    expect(before).not.toBeNull();

    expect((await control.call('POST', `/mailboxes/${address}/reset-sync`)).status).toBe(204);
    const mail = await deliver(address);
    await control.call('POST', '/stats/reset');
    const result = await syncMailbox(deps(), mailbox);
    expect(result.ingested).toBe(1);
    expect((await statsOf(address)).listRequests).toBeGreaterThanOrEqual(1);
    const after = (await row(mailbox.id)).delta_link;
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0 });
    expect(await ticketsOf(mail.internetMessageId)).toHaveLength(1);
  });

  it('stores a delta link only with the work it moves past: a sync stopped midway repeats, and ingests each message once', async () => {
    const address = 'delta-stop@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    await syncMailbox(deps(), mailbox);
    const before = (await row(mailbox.id)).delta_link;
    const mails = [await deliver(address), await deliver(address), await deliver(address)];

    let ingested = 0;
    const stopping = { ...deps({ ingestBatchSize: 1 }), onIngested: () => void ingested++ };
    const stopped = await syncMailbox(stopping, mailbox, () => ingested === 0);
    expect(stopped.ingested).toBe(1);
    // A stopped pass (a shutdown, a lost lease) leaves marking read to the next one, so a stop stays short.
    expect(stopped.markedRead).toBe(0);
    expect((await row(mailbox.id)).delta_link).toBe(before);

    const next = await syncMailbox(deps(), mailbox);
    // The round meets the first one again, finds it recorded, and only marks it read.
    expect(next).toMatchObject({ ingested: 2, alreadyRecorded: 1 });
    expect((await row(mailbox.id)).delta_link).not.toBe(before);
    for (const mail of mails) {
      expect(await ticketsOf(mail.internetMessageId)).toHaveLength(1);
      expect(await isRead(address, mail.id)).toBe(true);
    }
  });
});

describe('after ingest', () => {
  it('leave_unread: mail stays unread and is never ingested twice, through updates and a lost sync state', async () => {
    const address = 'unread@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const set = await api().patch(`/api/mailboxes/${mailbox.id}`, { afterIngest: { action: 'leave_unread' } });
    expect(set.status).toBe(200);
    expect(set.body.afterIngest).toEqual({ action: 'leave_unread', folderName: null });

    const mail = await deliver(address);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 1, oldestUnreadAt: null });
    expect(await isRead(address, mail.id)).toBe(false);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0 });
    await graph().api(`/users/${address}/messages/${mail.id}`).patch({ flag: { flagStatus: 'flagged' } });
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0, alreadyRecorded: 1, oldestUnreadAt: null });
    await control.call('POST', `/mailboxes/${address}/reset-sync`);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0, oldestUnreadAt: null });
    expect(await isRead(address, mail.id)).toBe(false);
    expect(await ticketsOf(mail.internetMessageId)).toHaveLength(1);
    expect(await recordsOf(mail.internetMessageId)).toHaveLength(1);
  });

  it('move: mail ends in the folder named by the admin; an unknown folder is refused with folder_not_found', async () => {
    const address = 'move@contoso.test';
    const mailbox = await rd.linkMailbox(address);
    const folder = (await graph().api(`/users/${address}/mailFolders`).post({ displayName: 'Handled by Relaydesk' })) as { id: string };

    const unknown = await api().patch(`/api/mailboxes/${mailbox.id}`, { afterIngest: { action: 'move', folder: 'No such folder' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('folder_not_found');
    expect(unknown.body.error.message).toContain('No such folder');
    expect((await api().patch(`/api/mailboxes/${mailbox.id}`, { afterIngest: { action: 'move' } })).status).toBe(400);
    expect((await api().patch(`/api/mailboxes/${mailbox.id}`, { afterIngest: { action: 'mark_read', folder: 'Inbox' } })).status).toBe(400);

    const set = await api().patch(`/api/mailboxes/${mailbox.id}`, { afterIngest: { action: 'move', folder: 'handled by relaydesk' } });
    expect(set.status).toBe(200);
    expect(set.body.afterIngest).toEqual({ action: 'move', folderName: 'Handled by Relaydesk' });
    expect((await row(mailbox.id)).move_folder_id).toBe(folder.id);

    const mail = await deliver(address);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 1, markedRead: 1 });
    const moved = (await graph().api(`/users/${address}/mailFolders/${folder.id}/messages`).select('internetMessageId').get()) as { value: { internetMessageId: string }[] };
    expect(moved.value.map((m) => m.internetMessageId)).toEqual([mail.internetMessageId]);
    const inbox = (await graph().api(`/users/${address}/mailFolders/inbox/messages`).select('id').get()) as { value: unknown[] };
    expect(inbox.value).toHaveLength(0);
    // The move shows in the next delta round as a removal: nothing to take.
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 0, listed: 0 });
    expect(await ticketsOf(mail.internetMessageId)).toHaveLength(1);
  });
});

describe('first sync', () => {
  /** Links through the API with firstSync: 'ask', as the pane does. */
  async function linkAsking(address: string): Promise<MailboxRow> {
    await control.createMailbox(address);
    const started = await api().post('/api/mailboxes', { address, firstSync: 'ask' });
    expect(started.status).toBe(201);
    const query = await rd.consent(started.body.authorizeUrl as string, address, 'accept');
    const done = await request(rd.app).get('/oauth/callback').query(query);
    expect(done.status).toBe(200);
    return (await rd.store.mailboxes.findByAddress(address))!;
  }
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  it('ask: nothing is synced until chosen; the preview counts the unread mail; from_now ignores old mail and takes new', async () => {
    const address = 'ask-now@contoso.test';
    const mailbox = await linkAsking(address);
    expect(mailbox).toMatchObject({ state: 'active', first_sync_mode: null });
    // Taken once: computed again later, a second may have ticked over.
    const [twentyDaysAgo, threeDaysAgo] = [daysAgo(20), daysAgo(3)];
    const old = [await deliver(address, { receivedDateTime: twentyDaysAgo }), await deliver(address, { receivedDateTime: threeDaysAgo })];
    await deliver(address, { receivedDateTime: daysAgo(2), isRead: true });
    expect(await rd.store.mailboxes.claimForSync({ owner: 'care-test', leaseMs: 60_000, dueBefore: new Date().toISOString(), limit: 10, onlyId: mailbox.id })).toEqual([]);

    const preview = await api().get(`/api/mailboxes/${mailbox.id}/first-sync`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ unread: 2, oldest: twentyDaysAgo, newest: threeDaysAgo, choice: null });

    const bad = await api().post(`/api/mailboxes/${mailbox.id}/first-sync`, { mode: 'last_days', days: 0 });
    expect(bad.status).toBe(400);
    const chosen = await api().post(`/api/mailboxes/${mailbox.id}/first-sync`, { mode: 'from_now' });
    expect(chosen.status).toBe(200);
    expect(chosen.body.firstSync).toEqual({ mode: 'from_now', days: null });
    expect((await api().post(`/api/mailboxes/${mailbox.id}/first-sync`, { mode: 'all_unread' })).body.error.code).toBe('first_sync_already_chosen');
    expect((await api().get(`/api/mailboxes/${mailbox.id}/first-sync`)).body.choice).toEqual({ mode: 'from_now', days: null });

    expect(await syncMailbox(deps(), await row(mailbox.id))).toMatchObject({ ingested: 0 });
    const fresh = await deliver(address);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 1 });
    expect(await ticketsOf(fresh.internetMessageId)).toHaveLength(1);
    for (const mail of old) {
      expect(await recordsOf(mail.internetMessageId)).toHaveLength(0);
      expect(await isRead(address, mail.id)).toBe(false);
    }
  });

  it('last_days: the days mail, read and unread, becomes solved tickets with nothing emailed; later mail is handled as usual', async () => {
    const address = 'ask-days@contoso.test';
    const mailbox = await linkAsking(address);
    const tooOld = await deliver(address, { receivedDateTime: daysAgo(20) });
    const inDays = [await deliver(address, { receivedDateTime: daysAgo(3) }), await deliver(address, { receivedDateTime: daysAgo(2), isRead: true })];
    const reply = await deliver(address, { receivedDateTime: daysAgo(1), from: 'customer-thread@fabrikam.test', inReplyTo: inDays[0]!.internetMessageId });
    const chosen = await api().post(`/api/mailboxes/${mailbox.id}/first-sync`, { mode: 'last_days', days: 7 });
    expect(chosen.status).toBe(200);
    expect(chosen.body.firstSync).toEqual({ mode: 'last_days', days: 7 });

    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 3 });
    // The reply in the backfill is a comment on its ticket, which stays solved.
    expect(await ticketsOf(reply.internetMessageId)).toEqual(await ticketsOf(inDays[0]!.internetMessageId));
    expect((await recordsOf(reply.internetMessageId))[0]?.disposition).toBe('comment_added');
    for (const mail of inDays) {
      const [ticketId] = await ticketsOf(mail.internetMessageId);
      expect((await rd.store.tickets.findById(ticketId!))?.status).toBe('solved');
      expect(await rd.store.outbox.listForTicket(ticketId!)).toEqual([]);
    }
    expect(await recordsOf(tooOld.internetMessageId)).toHaveLength(0);
    expect(await isRead(address, tooOld.id)).toBe(false);
    expect(await control.sent(address)).toEqual([]);

    const later = await deliver(address);
    expect(await syncMailbox(deps(), mailbox)).toMatchObject({ ingested: 1 });
    const [ticketId] = await ticketsOf(later.internetMessageId);
    expect((await rd.store.tickets.findById(ticketId!))?.status).toBe('new');
    expect((await rd.store.outbox.listForTicket(ticketId!)).map((o) => o.kind)).toEqual(['ticket_received']);
  });
});
