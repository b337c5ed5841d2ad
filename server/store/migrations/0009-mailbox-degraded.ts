import type { Kysely, Migration } from 'kysely';

/**
 * A mailbox whose syncs fail for a reason that retrying can fix stays active and shows degraded: the failure
 * policy's class of the last failure, and since when the mailbox has been failing.
 */
export function mailboxDegraded(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mailboxes').addColumn('failure_class', 'text').execute();
      await db.schema.alterTable('mailboxes').addColumn('failing_since', 'text').execute();
    },
  };
}
