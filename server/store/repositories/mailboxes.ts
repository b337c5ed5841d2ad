import { sql, type Kysely } from 'kysely';
import type { FailureClass } from '../../graph/failure-classes';
import type { FirstSyncMode } from '../../mailboxes/mailbox-care';
import type { MailboxState } from '../../mailboxes/mailbox-state';
import type { DialectKind } from '../dialect';
import type { DB, MailboxRow, MailboxUpdate } from '../schema';
import { isStorableId, nowIso } from '../sql-helpers';
import { normalizeEmail } from './users';

export class MailboxesRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectKind,
  ) {}

  /** A new mailbox row; its first sync takes every unread message unless the linker asked to choose (`firstSync: null`). */
  async insert(address: string, displayName: string | null, state: MailboxState = 'pending', options: { firstSync?: FirstSyncMode | null } = {}): Promise<MailboxRow> {
    const now = nowIso();
    const firstSync = options.firstSync === undefined ? 'all_unread' : options.firstSync;
    return this.db
      .insertInto('mailboxes')
      .values({ address: normalizeEmail(address), display_name: displayName, state, first_sync_mode: firstSync, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findById(id: number): Promise<MailboxRow | undefined> {
    if (!isStorableId(id)) return undefined;
    return this.db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByAddress(address: string): Promise<MailboxRow | undefined> {
    return this.db.selectFrom('mailboxes').selectAll().where('address', '=', normalizeEmail(address)).executeTakeFirst();
  }

  list(): Promise<MailboxRow[]> {
    return this.db.selectFrom('mailboxes').selectAll().orderBy('address').execute();
  }

  /** Addresses Relaydesk receives mail at (linked in any state but unlinked): never valid as CCs. */
  async linkedAddresses(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('mailboxes').select('address').where('state', '!=', 'unlinked').execute();
    return new Set(rows.map((r) => r.address));
  }

  async update(id: number, patch: Omit<MailboxUpdate, 'id' | 'updated_at' | 'created_at'>): Promise<MailboxRow> {
    return this.db
      .updateTable('mailboxes')
      .set({ ...patch, updated_at: nowIso() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Leases up to `limit` active mailboxes that are due for a sync and not leased by a live instance. On
   * PostgreSQL, SKIP LOCKED lets several instances claim at once without waiting on each other's rows; an
   * expired lease (a dead instance) is claimable again.
   *
   * Due: never synced; asked for by a notification (sync_requested_at, cleared by this claim, so a request
   * arriving during the sync makes another); or last synced before `dueBefore`, or before `pushDueBefore`
   * when push is on (the slow check). A mailbox waiting for its first-sync choice is never due.
   */
  async claimForSync(claim: { owner: string; leaseMs: number; dueBefore: string; pushDueBefore?: string; limit: number; onlyId?: number; excludeIds?: readonly number[] }): Promise<MailboxRow[]> {
    const now = nowIso();
    const until = new Date(Date.now() + claim.leaseMs).toISOString();
    const pushDueBefore = claim.pushDueBefore ?? claim.dueBefore;
    return this.db
      .updateTable('mailboxes')
      .set({ lease_owner: claim.owner, lease_until: until, sync_requested_at: null })
      .where('id', 'in', (eb) => {
        let due = eb
          .selectFrom('mailboxes')
          .select('id')
          .where('state', '=', 'active')
          .where('first_sync_mode', 'is not', null)
          // Our own lease (held by this instance before a restart) needs no waiting for.
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now), w('lease_owner', '=', claim.owner)]))
          .where((w) =>
            w.or([
              w('last_sync_at', 'is', null),
              w('sync_requested_at', 'is not', null),
              w.and([w('push_state', '=', 'on'), w('last_sync_at', '<', pushDueBefore)]),
              w.and([w('push_state', '!=', 'on'), w('last_sync_at', '<', claim.dueBefore)]),
            ]),
          );
        if (claim.onlyId !== undefined) due = due.where('id', '=', claim.onlyId);
        if (claim.excludeIds?.length) due = due.where('id', 'not in', [...claim.excludeIds]);
        due = due.orderBy(sql`coalesce(sync_requested_at, last_sync_at, '')`).limit(claim.limit);
        return this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
      })
      .returningAll()
      .execute();
  }

  /**
   * Records the first-sync choice, only while none was made (first_sync_mode null): undefined when another
   * admin chose first. Due at once (last_sync_at cleared), with a fresh baseline (no delta link).
   */
  async chooseFirstSync(id: number, columns: Pick<MailboxRow, 'first_sync_mode' | 'first_sync_days' | 'sync_since' | 'backfill_until'>): Promise<MailboxRow | undefined> {
    return this.db
      .updateTable('mailboxes')
      .set({ ...columns, delta_link: null, delta_synced_at: null, reread_since: null, last_sync_at: null, updated_at: nowIso() })
      .where('id', '=', id)
      .where('first_sync_mode', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * A notification's ask for a sync. Returns false when one is already pending, so a burst costs one write
   * per sync rather than one per notification.
   */
  async requestSync(id: number): Promise<boolean> {
    const result = await this.db.updateTable('mailboxes').set({ sync_requested_at: nowIso() }).where('id', '=', id).where('sync_requested_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * A restored database: the mailbox's next sync takes again the mail received since `rereadSince` (null:
   * none), and the sync lease that a process held when the backup was taken is dropped (no process is
   * running on a database being restored), so the first start syncs at once.
   */
  async markRestored(id: number, rereadSince: string | null): Promise<void> {
    await this.db.updateTable('mailboxes').set({ reread_since: rereadSince, lease_owner: null, lease_until: null, sync_requested_at: nowIso(), updated_at: nowIso() }).where('id', '=', id).execute();
  }

  /** Extends a lease this owner still holds; false when it was lost (expired and taken over). */
  async renewLease(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('mailboxes')
      .set({ lease_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseLease(id: number, owner: string): Promise<void> {
    await this.db.updateTable('mailboxes').set({ lease_owner: null, lease_until: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  async recordSyncSuccess(id: number, result: { ingested: number; oldestUnreadAt: string | null }): Promise<void> {
    await this.db
      .updateTable('mailboxes')
      .set((eb) => ({
        last_sync_at: nowIso(),
        messages_ingested: eb('messages_ingested', '+', result.ingested),
        oldest_unread_at: result.oldestUnreadAt,
        consecutive_failures: 0,
        last_error_code: null,
        last_error_message: null,
        failure_class: null,
        failing_since: null,
        updated_at: nowIso(),
      }))
      .where('id', '=', id)
      .execute();
  }

  /** A failed sync: the mailbox is degraded (failure_class set) from the first failure until a sync succeeds. */
  async recordSyncFailure(id: number, failure: { code: string; failureClass: FailureClass; message: string }): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable('mailboxes')
      .set((eb) => ({
        // A failed sync still counts as an attempt, so a failing mailbox waits its turn like the others.
        last_sync_at: now,
        consecutive_failures: eb('consecutive_failures', '+', 1),
        last_error_code: failure.code,
        last_error_message: failure.message.slice(0, 1000),
        failure_class: failure.failureClass,
        failing_since: eb.fn.coalesce('failing_since', eb.val(now)),
        updated_at: now,
      }))
      .where('id', '=', id)
      .execute();
  }

  async setState(id: number, state: MailboxState, reason: string | null): Promise<MailboxRow> {
    return this.db
      .updateTable('mailboxes')
      .set({ state, state_reason: reason, updated_at: nowIso() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Microsoft redeemed the mailbox's refresh token (and rotated it): Entra's 90-day idle clock restarts. */
  async recordRefreshTokenUse(id: number, at: string = nowIso()): Promise<void> {
    await this.db.updateTable('mailboxes').set({ refresh_token_used_at: at }).where('id', '=', id).execute();
  }

  /**
   * Mailboxes holding a refresh token (active or paused) whose last known use, or grant when never used,
   * is older than `before`: those the keep-alive refreshes before Entra drops the token.
   */
  async listIdleGrants(before: string): Promise<MailboxRow[]> {
    return this.db
      .selectFrom('mailboxes')
      .selectAll()
      .where('state', 'in', ['active', 'paused'])
      .where('auth_mode', '=', 'delegated')
      .where('token_cache', 'is not', null)
      .where((w) => w(w.fn.coalesce('refresh_token_used_at', 'grant_issued_at', 'linked_at'), '<', before))
      .orderBy('id')
      .execute();
  }
}
