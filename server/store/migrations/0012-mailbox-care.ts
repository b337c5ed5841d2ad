import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Push and mailbox care: the Inbox's delta link, a sync asked for by a notification, the Graph subscription
 * (its clientState stored hashed), what becomes of mail after ingest, the first-sync choice, and when the
 * mailbox's grant was issued and its refresh token last redeemed. Mailboxes linked before this keep syncing
 * as they did: their first sync is long done (`all_unread`).
 */
export function mailboxCare(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      const add = (name: string, type: 'text' | 'integer', build: (c: any) => any = (c) => c) => db.schema.alterTable('mailboxes').addColumn(name, type, build).execute();
      await add('after_ingest', 'text', (c) => c.notNull().defaultTo('mark_read').check(sql`after_ingest in ('mark_read', 'leave_unread', 'move')`));
      await add('move_folder_id', 'text');
      await add('move_folder_name', 'text');
      // Null: linked, waiting for the admin's choice; nothing is synced until it is made.
      await add('first_sync_mode', 'text', (c) => c.check(sql`first_sync_mode in ('all_unread', 'from_now', 'last_days')`));
      await add('first_sync_days', 'integer');
      await add('sync_since', 'text');
      await add('backfill_until', 'text');
      await add('delta_link', 'text');
      await add('delta_synced_at', 'text');
      await add('sync_requested_at', 'text');
      await add('push_state', 'text', (c) => c.notNull().defaultTo('off').check(sql`push_state in ('off', 'on')`));
      await add('push_reason', 'text');
      await add('push_checked_at', 'text');
      await add('grant_issued_at', 'text');
      await add('refresh_token_used_at', 'text');
      await db.updateTable('mailboxes').set({ first_sync_mode: 'all_unread', grant_issued_at: sql`linked_at`, refresh_token_used_at: sql`coalesce(last_sync_at, linked_at)` }).execute();

      await db.schema
        .createTable('graph_subscriptions')
        .addColumn('mailbox_id', 'integer', (c) => c.primaryKey().references('mailboxes.id').onDelete('cascade'))
        .addColumn('subscription_id', 'text', (c) => c.notNull().unique())
        .addColumn('client_state_hash', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('renew_due_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('renewed_at', 'text')
        .execute();
    },
  };
}
