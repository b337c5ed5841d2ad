import pino from 'pino';
import { MailboxClients } from '../../../../server/graph/mailbox-clients';
import { DEFAULT_SYNC_SETTINGS } from '../../../../server/inbound/sync/mailbox-sync';
import { SyncScheduler } from '../../../../server/inbound/sync/scheduler';
import { MailboxAuthError } from '../../../../server/identity/mailbox-tokens';
import type { Store } from '../../../../server/store/store';
import { openTestStore } from '../../../support/database';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(() => cleanup());

function scheduler(instanceId: string, tokenFailure: () => Error = () => new MailboxAuthError('mailbox_not_linked', 'no tokens in this test')) {
  // The mailbox has no tokens: any sync that starts fails at once and leaves its mark on the row.
  const clients = new MailboxClients({ baseUrl: 'https://graph.invalid/v1.0', customHosts: [] }, async () => {
    throw tokenFailure();
  });
  return new SyncScheduler({ store, clients, logger: pino({ level: 'silent' }), settings: DEFAULT_SYNC_SETTINGS }, { intervalMs: 60_000, leaseMs: 60_000, maxConcurrent: 4, instanceId });
}

function pushScheduler(instanceId: string, ensure: () => Promise<void>) {
  const clients = new MailboxClients({ baseUrl: 'https://graph.invalid/v1.0', customHosts: [] }, async () => {
    throw new MailboxAuthError('mailbox_not_linked', 'no tokens in this test');
  });
  return new SyncScheduler({ store, clients, logger: pino({ level: 'silent' }), settings: DEFAULT_SYNC_SETTINGS }, { intervalMs: 60_000, leaseMs: 60_000, maxConcurrent: 4, instanceId }, undefined, { ensure, waiting: () => [] });
}

describe('SyncScheduler with push', () => {
  // A notification during a sync may name mail that sync's listing already passed: it must cause one more
  // sync right after, however many notifications came, not wait for the next poll.
  it('syncs once more after the running sync when notifications arrive during it', async () => {
    const mailbox = await store.mailboxes.insert('notified-while-running@contoso.test', null, 'active');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const s = pushScheduler('notified', async () => {
      runs++;
      if (runs === 1) await gate;
    });
    const first = s.syncNow(mailbox.id);
    while (runs === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 3; i++) {
      await store.mailboxes.requestSync(mailbox.id);
      s.requested(mailbox.id);
    }
    release();
    await first;
    for (let i = 0; i < 200 && runs < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    expect(runs).toBe(2);
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ consecutive_failures: 2, sync_requested_at: null, lease_owner: null });
  });

  it('still syncs when the push upkeep throws', async () => {
    const mailbox = await store.mailboxes.insert('push-upkeep-throws@contoso.test', null, 'active');
    const s = pushScheduler('upkeep-throws', () => Promise.reject(new Error('subscription store down')));
    await s.syncNow(mailbox.id);
    await s.stop();
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ last_error_code: 'mailbox_not_linked', consecutive_failures: 1 });
  });
});

describe('SyncScheduler', () => {
  // Guards a shutdown race: a claim still in flight when stop() was called used to start a sync after
  // stop() returned, against a store the server was already closing, and kept the lease for a minute.
  it('starts no sync and keeps no lease when stopped while a claim is in flight', async () => {
    const mailbox = await store.mailboxes.insert('stopping@contoso.test', null, 'active');
    const s = scheduler('stopping');
    const ticking = s.tick();
    await s.stop();
    await ticking;
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ lease_owner: null, last_sync_at: null, last_error_code: null });
  });

  it('records a failed sync on the mailbox and frees its lease', async () => {
    const mailbox = await store.mailboxes.insert('failing@contoso.test', null, 'active');
    const s = scheduler('failing');
    await s.syncNow(mailbox.id);
    await s.stop();
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ lease_owner: null, last_error_code: 'mailbox_not_linked', consecutive_failures: 1, state: 'active' });
  });

  it('keeps a mailbox active and degraded through failures retrying can fix, from the first of them', async () => {
    const mailbox = await store.mailboxes.insert('entra-down@contoso.test', null, 'active');
    const s = scheduler('entra-down', () => new MailboxAuthError('identity_unavailable', 'temporarily_unavailable AADSTS90033'));
    await s.syncNow(mailbox.id);
    const first = await store.mailboxes.findById(mailbox.id);
    expect(first).toMatchObject({ state: 'active', failure_class: 'transient', last_error_code: 'identity_unavailable', failing_since: expect.any(String) });
    await store.mailboxes.update(mailbox.id, { last_sync_at: null });
    await s.syncNow(mailbox.id);
    await s.stop();
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ state: 'active', consecutive_failures: 2, failing_since: first!.failing_since });
    await store.mailboxes.recordSyncSuccess(mailbox.id, { ingested: 0, oldestUnreadAt: null });
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ state: 'active', failure_class: null, failing_since: null });
  });

  it('parks a mailbox only for a lost grant', async () => {
    const mailbox = await store.mailboxes.insert('revoked-grant@contoso.test', null, 'active');
    const s = scheduler('revoked-grant', () => new MailboxAuthError('needs_reauth', 'revoked', 'AADSTS50173'));
    await s.syncNow(mailbox.id);
    await s.stop();
    expect(await store.mailboxes.findById(mailbox.id)).toMatchObject({ state: 'needs_reauth', failure_class: 'grant_lost' });
  });
});
