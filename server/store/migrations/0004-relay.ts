import type { Kysely, Migration } from 'kysely';

/** The relay's bookkeeping: whether a send attempt ended without Graph's answer, and when it ran. */
export function relay(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('outbox').addColumn('outcome_unknown', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('outbox').addColumn('last_attempt_at', 'text').execute();
      await db.schema.createIndex('outbox_ticket_idx').on('outbox').columns(['ticket_id', 'id']).execute();
    },
  };
}
