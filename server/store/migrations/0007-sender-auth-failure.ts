import type { Kysely, Migration } from 'kysely';

/** A ticket opened by mail that failed sender authentication (DMARC or composite auth) says so. */
export function senderAuthFailure(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('tickets').addColumn('sender_auth_failure', 'text').execute();
    },
  };
}
