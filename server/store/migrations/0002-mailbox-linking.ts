import type { Kysely, Migration } from 'kysely';
import { columns, type DialectKind } from '../dialect';

/** Mailbox linking: the MSAL account behind each mailbox, pending OAuth links, helpdesk settings. */
export function mailboxLinking(dialect: DialectKind): Migration {
  const col = columns(dialect);
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mailboxes').addColumn('home_account_id', 'text').execute();
      await db.schema.alterTable('mailboxes').addColumn('linked_by', 'text').execute();
      await db.schema.alterTable('mailboxes').addColumn('linked_at', 'text').execute();

      await col
        .id(db.schema.createTable('oauth_links'))
        // Only a hash of `state` is kept: reading the database must not let anyone complete a link.
        .addColumn('state_hash', 'text', (c) => c.notNull().unique())
        .addColumn('mailbox_id', 'integer', (c) => c.notNull().references('mailboxes.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('outcome', 'text')
        .execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
