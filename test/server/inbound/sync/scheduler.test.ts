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
