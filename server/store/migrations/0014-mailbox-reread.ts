import type { Kysely, Migration } from 'kysely';

/**
 * After a restore from a backup, mail that the lost part of the database had recorded is read in the Inbox
 * (Relaydesk marked it) and no sync would take it again: `reread_since` asks the next sync to take every
 * message received since then, read or not, that is not recorded (see mailboxes/after-restore.ts).
 */
export function mailboxReread(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mailboxes').addColumn('reread_since', 'text').execute();
    },
  };
}
