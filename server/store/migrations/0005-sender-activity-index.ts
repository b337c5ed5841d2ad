import type { Kysely, Migration } from 'kysely';

/**
 * Burst counting reads a sender's recent inbound messages on every message. With the direction in the
 * index the count is answered from the index alone, without a table lookup per counted row.
 */
export function senderActivityIndex(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('mail_messages_sender_recent_idx').on('mail_messages').columns(['from_address', 'direction', 'created_at']).execute();
      await db.schema.dropIndex('mail_messages_from_idx').execute();
    },
  };
}
