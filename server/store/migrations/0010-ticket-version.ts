import type { Kysely, Migration } from 'kysely';

/**
 * A ticket's version: goes up with every change of the ticket or what it shows (status, assignee, comments,
 * participants, attachments). The API sends it as the ETag, so the task pane polls cheaply (304) and a write
 * made on a stale view is refused (If-Match) instead of silently undoing a colleague's change.
 */
export function ticketVersion(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('tickets').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    },
  };
}
