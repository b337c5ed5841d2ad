import { REREAD_OVERLAP_MS, rereadAfterRestore } from '../../../server/mailboxes/after-restore';
import type { MailboxRow } from '../../../server/store/schema';

// After a restore, the mail the lost records had taken is read in the mailbox. The window that is read
// again must reach back far enough to hold all of it, and no further than the backup proves, since what it
// holds that was read by a person and never recorded becomes tickets too.

type Fields = Parameters<typeof rereadAfterRestore>[0];

const synced = '2026-12-04T10:00:00.000Z';
const hourBefore = new Date(Date.parse(synced) - REREAD_OVERLAP_MS).toISOString();
const linked = '2026-12-01T08:00:00.000Z';

function mailbox(patch: Partial<Fields>): Fields {
  return {
    state: 'active',
    after_ingest: 'mark_read',
    move_folder_name: null,
    last_sync_at: synced,
    delta_synced_at: synced,
    sync_since: null,
    backfill_until: null,
    linked_at: linked,
    created_at: linked,
    ...patch,
  } satisfies Partial<MailboxRow>;
}

it.each<[string, Partial<Fields>, ReturnType<typeof rereadAfterRestore>]>([
  ['after a good round: an hour before it', {}, { reread: true, since: hourBefore }],
  ['after a good round, sync_since later than that: sync_since', { sync_since: '2026-12-04T09:30:00.000Z' }, { reread: true, since: '2026-12-04T09:30:00.000Z' }],
  ['during the first sync: an hour before linking', { delta_synced_at: null }, { reread: true, since: '2026-12-01T07:00:00.000Z', note: expect.any(String) }],
  ['during a first sync from now: its sync_since', { delta_synced_at: null, sync_since: linked }, { reread: true, since: linked, note: expect.any(String) }],
  ['during a first sync that backfills: nothing (it lists read mail anyway)', { delta_synced_at: null, sync_since: '2026-11-01T00:00:00.000Z', backfill_until: linked }, { reread: false, why: 'backfill' }],
  ['mail left unread: nothing (the delta round takes it)', { after_ingest: 'leave_unread' }, { reread: false, why: 'leave_unread' }],
  ['mail moved away: nothing, said so', { after_ingest: 'move', move_folder_name: 'Done' }, { reread: false, why: 'move', note: expect.stringContaining("'Done'") }],
  ['never synced: nothing', { last_sync_at: null, delta_synced_at: null }, { reread: false, why: 'never_synced' }],
  ['unlinked: nothing', { state: 'unlinked' }, { reread: false, why: 'unlinked' }],
])('%s', (_, patch, expected) => {
  expect(rereadAfterRestore(mailbox(patch))).toEqual(expected);
});
