import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../dialect';

/**
 * The relay paced as Exchange Online paces a mailbox, and large mail:
 * - `recipient_count` per outbox row, so the recipients a mailbox sent in a rolling day are summed in SQL;
 * - an index on (mailbox_id, last_attempt_at) for the sends of a mailbox in the last minute and day;
 * - `settle_looks`: how often a send with an unknown outcome was looked for without being found;
 * - `draft_id`: the Graph draft a large email is being built in (draft, upload sessions, send);
 * - `attachments.uploaded_by`: a file an agent uploaded for a reply, held until the reply takes it.
 */
export function relayPacing(dialect: DialectKind): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('outbox').addColumn('recipient_count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('outbox').addColumn('settle_looks', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('outbox').addColumn('draft_id', 'text').execute();
      const count =
        dialect === 'sqlite'
          ? sql`json_array_length(recipients, '$.to') + json_array_length(recipients, '$.cc')`
          : sql`json_array_length((recipients::json)->'to') + json_array_length((recipients::json)->'cc')`;
      await sql`update outbox set recipient_count = ${count}`.execute(db);
      await db.schema.createIndex('outbox_mailbox_attempt_idx').on('outbox').columns(['mailbox_id', 'last_attempt_at']).execute();
      await db.schema.alterTable('attachments').addColumn('uploaded_by', 'integer', (c) => c.references('users.id').onDelete('set null')).execute();
    },
  };
}
