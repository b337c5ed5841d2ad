import { sql, type Kysely, type Migration } from 'kysely';
import { columns, type DialectKind } from '../dialect';

/** Inbound mail: attachments, mailbox lag, and the indexes that burst counting and dead-letter replay use. */
export function inbound(dialect: DialectKind): Migration {
  const col = columns(dialect);
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await col
        .id(db.schema.createTable('attachments'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
        .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('content_id', 'text')
        .addColumn('inline', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('content', col.bytes)
        .addColumn('omitted_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('attachments_comment_idx').on('attachments').column('comment_id').execute();
      await db.schema.createIndex('mail_messages_from_idx').on('mail_messages').columns(['from_address', 'created_at']).execute();
      // One email reaching two linked mailboxes makes one ticket: only one inbound record per Message-ID may
      // be the primary; the others are recorded as duplicates of it.
      await db.schema
        .createIndex('mail_messages_primary_uq')
        .unique()
        .on('mail_messages')
        .column('internet_message_id')
        .where(sql.ref('direction'), '=', sql.lit('inbound'))
        .where(sql.ref('disposition'), '<>', sql.lit('duplicate'))
        .execute();
      await db.schema.createIndex('dead_letters_state_idx').on('dead_letters').columns(['state', 'id']).execute();
      // Age of the oldest unread message at the last sync: the mailbox's lag.
      await db.schema.alterTable('mailboxes').addColumn('oldest_unread_at', 'text').execute();
    },
  };
}
