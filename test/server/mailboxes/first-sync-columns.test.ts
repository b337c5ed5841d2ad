import { firstSyncColumns } from '../../../server/mailboxes/mailbox-sync-choices';
import { listingSince, RESYNC_OVERLAP_MS } from '../../../server/inbound/sync/mailbox-sync';

const NOW = new Date('2026-12-04T12:00:00.000Z');

describe('firstSyncColumns', () => {
  it('all_unread takes every unread message: no lower bound, no backfill', () => {
    expect(firstSyncColumns({ mode: 'all_unread' }, NOW)).toEqual({ first_sync_mode: 'all_unread', first_sync_days: null, sync_since: null, backfill_until: null });
  });

  it('from_now takes mail from the moment of the choice on', () => {
    expect(firstSyncColumns({ mode: 'from_now' }, NOW)).toEqual({ first_sync_mode: 'from_now', first_sync_days: null, sync_since: NOW.toISOString(), backfill_until: null });
  });

  it('last_days backfills the days before the choice, up to it', () => {
    expect(firstSyncColumns({ mode: 'last_days', days: 7 }, NOW)).toEqual({
      first_sync_mode: 'last_days',
      first_sync_days: 7,
      sync_since: '2026-11-27T12:00:00.000Z',
      backfill_until: NOW.toISOString(),
    });
  });
});

describe('listingSince', () => {
  const synced = '2026-12-04T10:00:00.000Z';
  const hourBefore = new Date(Date.parse(synced) - RESYNC_OVERLAP_MS).toISOString();

  it('is sync_since for a first listing, and in the modes where handled mail leaves the unread listing', () => {
    expect(listingSince({ sync_since: null, after_ingest: 'leave_unread', delta_synced_at: null }, false)).toBeNull();
    expect(listingSince({ sync_since: null, after_ingest: 'mark_read', delta_synced_at: synced }, true)).toBeNull();
    expect(listingSince({ sync_since: '2026-01-01T00:00:00.000Z', after_ingest: 'move', delta_synced_at: synced }, true)).toBe('2026-01-01T00:00:00.000Z');
  });

  it('after a lost link in leave_unread mode starts an hour before the last good round, not before sync_since', () => {
    expect(listingSince({ sync_since: null, after_ingest: 'leave_unread', delta_synced_at: synced }, true)).toBe(hourBefore);
    expect(listingSince({ sync_since: '2026-12-04T09:30:00.000Z', after_ingest: 'leave_unread', delta_synced_at: synced }, true)).toBe('2026-12-04T09:30:00.000Z');
    expect(listingSince({ sync_since: '2026-01-01T00:00:00.000Z', after_ingest: 'leave_unread', delta_synced_at: synced }, true)).toBe(hourBefore);
  });
});
