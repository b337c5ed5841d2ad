import { sql, type Kysely, type Migration } from 'kysely';
import { columns, type DialectKind } from '../dialect';

/** The first schema: every table of the design, with the uniqueness rules that make ingest exactly-once. */
export function initialSchema(dialect: DialectKind): Migration {
  const col = columns(dialect);
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await col
        .id(db.schema.createTable('users'))
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('end_user', 'agent', 'admin')`))
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('undeliverable_reason', 'text')
        .addColumn('blocked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await col
        .id(db.schema.createTable('mailboxes'))
        .addColumn('address', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('state', 'text', (c) =>
          c.notNull().check(sql`state in ('pending', 'active', 'paused', 'needs_reauth', 'unlinked')`),
        )
        .addColumn('state_reason', 'text')
        .addColumn('token_cache', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_sync_at', 'text')
        .addColumn('last_error_code', 'text')
        .addColumn('last_error_message', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('messages_ingested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await col
        .id(db.schema.createTable('tickets'))
        .addColumn('reference_tag', 'text', (c) => c.notNull())
        .addColumn('mailbox_id', 'integer', (c) => c.references('mailboxes.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('new', 'open', 'pending', 'hold', 'solved', 'closed')`),
        )
        .addColumn('requester_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('assignee_id', 'integer', (c) => c.references('users.id'))
        .addColumn('follow_up_of_id', 'integer', (c) => c.references('tickets.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tickets_status_idx').on('tickets').columns(['status', 'id']).execute();
      await db.schema.createIndex('tickets_requester_idx').on('tickets').column('requester_id').execute();
      await db.schema.createIndex('tickets_mailbox_idx').on('tickets').column('mailbox_id').execute();

      await db.schema
        .createTable('ticket_participants')
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('cc', 'follower')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ticket_participants_pk', ['ticket_id', 'user_id', 'kind'])
        .execute();

      await col
        .id(db.schema.createTable('comments'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
        .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'internal')`))
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('email', 'api', 'system')`))
        .addColumn('body_text', 'text', (c) => c.notNull())
        .addColumn('body_html', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('comments_ticket_idx').on('comments').columns(['ticket_id', 'id']).execute();

      await col
        .id(db.schema.createTable('mail_messages'))
        .addColumn('mailbox_id', 'integer', (c) => c.notNull().references('mailboxes.id'))
        .addColumn('internet_message_id', 'text', (c) => c.notNull())
        .addColumn('graph_message_id', 'text')
        .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('inbound', 'outbound')`))
        .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id'))
        .addColumn('comment_id', 'integer', (c) => c.references('comments.id'))
        .addColumn('disposition', 'text', (c) => c.notNull())
        .addColumn('disposition_reason', 'text')
        .addColumn('from_address', 'text')
        .addColumn('subject', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('mail_messages_mailbox_message_uq', ['mailbox_id', 'internet_message_id'])
        .execute();
      // Threading and cross-mailbox dedupe look messages up by Message-ID alone.
      await db.schema.createIndex('mail_messages_message_id_idx').on('mail_messages').column('internet_message_id').execute();

      await col
        .id(db.schema.createTable('outbox'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
        .addColumn('mailbox_id', 'integer', (c) => c.notNull().references('mailboxes.id'))
        .addColumn('comment_id', 'integer', (c) => c.references('comments.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('recipients', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'sending', 'sent', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('message_id', 'text', (c) => c.unique())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .execute();
      await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['state', 'next_attempt_at']).execute();

      await col
        .id(db.schema.createTable('dead_letters'))
        .addColumn('mailbox_id', 'integer', (c) => c.notNull().references('mailboxes.id'))
        .addColumn('graph_message_id', 'text')
        .addColumn('internet_message_id', 'text')
        .addColumn('reason_code', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('raw', col.bytes)
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'replayed', 'discarded')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .execute();

      await col
        .id(db.schema.createTable('audit_log'))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
