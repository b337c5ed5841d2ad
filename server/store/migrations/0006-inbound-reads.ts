import type { Kysely, Migration } from 'kysely';

/**
 * Crash-loop protection: a row per message whose reading has begun and not yet ended in a commit. It
 * outlives a crash, so the next sync knows which messages a dead process was reading.
 */
export function inboundReads(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('inbound_reads')
        .addColumn('mailbox_id', 'integer', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
        .addColumn('graph_message_id', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inbound_reads_pk', ['mailbox_id', 'graph_message_id'])
        .execute();
    },
  };
}
