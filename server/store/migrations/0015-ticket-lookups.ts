import type { Kysely, Migration } from 'kysely';

/**
 * Opening a ticket reads its mail records and its attachments by ticket; without these indexes each read
 * scanned the whole table (the api benchmark: 19 full tickets a second at 100,000 tickets).
 */
export function ticketLookups(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('mail_messages_ticket_idx').on('mail_messages').column('ticket_id').execute();
      await db.schema.createIndex('attachments_ticket_idx').on('attachments').column('ticket_id').execute();
    },
  };
}
