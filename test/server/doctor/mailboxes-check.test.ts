import { mailboxesVerdict } from '../../../server/doctor/mailboxes-check';
import { mailboxView } from '../../../server/mailboxes/mailbox-view';
import type { Store } from '../../../server/store/store';
import { openTestStore } from '../../support/database';

const DAY_MS = 24 * 60 * 60 * 1000;

// Mailboxes in the states the sync and the admins leave them in, read back as the task pane reads them.
describe('the mailbox check', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore());
  });
  afterEach(() => cleanup());

  const verdicts = async () => mailboxesVerdict((await store.mailboxes.list()).filter((m) => m.state !== 'unlinked').map((row) => mailboxView(row)));
  const byCheck = async () => Object.fromEntries((await verdicts()).map((r) => [r.check, [r.status, r.code ?? null]]));

  it('is ok with nothing linked yet', async () => {
    expect((await verdicts()).map((r) => [r.check, r.status])).toEqual([['mailboxes', 'ok']]);
  });

  it('gives each mailbox its verdict: active ok, needs_reauth and lasting failures fail, paused and passing failures warn', async () => {
    await store.mailboxes.insert('active@contoso.test', null, 'active');
    const lost = await store.mailboxes.insert('lost@contoso.test', null, 'active');
    await store.mailboxes.setState(lost.id, 'needs_reauth', 'invalid_grant AADSTS50173');
    await store.mailboxes.insert('paused@contoso.test', null, 'paused');
    const busy = await store.mailboxes.insert('busy@contoso.test', null, 'active');
    await store.mailboxes.recordSyncFailure(busy.id, { code: 'throttled', failureClass: 'throttled', message: '429' });
    const refused = await store.mailboxes.insert('refused@contoso.test', null, 'active');
    await store.mailboxes.recordSyncFailure(refused.id, { code: 'ErrorAccessDenied', failureClass: 'permission_missing', message: 'Access is denied.' });
    await store.mailboxes.insert('unchosen@contoso.test', null, 'active', { firstSync: null });
    const gone = await store.mailboxes.insert('gone@contoso.test', null, 'active');
    await store.mailboxes.setState(gone.id, 'unlinked', null);

    expect(await byCheck()).toEqual({
      'mailbox active@contoso.test': ['ok', null],
      'mailbox lost@contoso.test': ['fail', 'needs_reauth'],
      'mailbox paused@contoso.test': ['warn', 'paused'],
      'mailbox busy@contoso.test': ['warn', 'degraded'],
      'mailbox refused@contoso.test': ['fail', 'failing'],
      'mailbox unchosen@contoso.test': ['warn', 'first_sync_unchosen'],
    });
  });

  // Entra drops a refresh token unused for 90 days: warned a week ahead, failed on the last day.
  it('warns of a refresh token near its idle limit and fails it on its last day', async () => {
    const week = await store.mailboxes.insert('week@contoso.test', null, 'active');
    await store.mailboxes.update(week.id, { grant_issued_at: new Date(Date.now() - 85 * DAY_MS).toISOString(), refresh_token_used_at: null });
    const day = await store.mailboxes.insert('day@contoso.test', null, 'active');
    await store.mailboxes.update(day.id, { grant_issued_at: new Date(Date.now() - 89.5 * DAY_MS).toISOString(), refresh_token_used_at: null });
    expect(await byCheck()).toEqual({
      'mailbox week@contoso.test': ['warn', 'credential_warning'],
      'mailbox day@contoso.test': ['fail', 'credential_critical'],
    });
  });
});
