import { sql, type Kysely, type Migration } from 'kysely';

/** The language a mailbox's outgoing emails are written in; existing mailboxes keep English. */
export function mailboxLanguage(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('mailboxes')
        .addColumn('language', 'text', (c) => c.notNull().defaultTo('en-US').check(sql`language in ('en-US', 'it-IT')`))
        .execute();
    },
  };
}
