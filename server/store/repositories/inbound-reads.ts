import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema';
import { nowIso } from '../sql-helpers';

/** Parameters per statement, well below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

/**
 * Which messages' reading began and has not ended: the memory that lets a sync recognise mail that
 * crashed the process that read it, instead of reading it forever.
 */
export class InboundReadsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** How many reads of each of these messages began without ending; messages never begun are absent. */
  async attempts(mailboxId: number, graphIds: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < graphIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('inbound_reads')
        .select(['graph_message_id', 'attempts'])
        .where('mailbox_id', '=', mailboxId)
        .where('graph_message_id', 'in', graphIds.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) found.set(row.graph_message_id, row.attempts);
    }
    return found;
  }

  /** Records that reading these messages begins (one more attempt each). Commit it before reading. */
  async begin(mailboxId: number, graphIds: readonly string[]): Promise<void> {
    const startedAt = nowIso();
    for (let i = 0; i < graphIds.length; i += CHUNK) {
      await this.db
        .insertInto('inbound_reads')
        .values(graphIds.slice(i, i + CHUNK).map((id) => ({ mailbox_id: mailboxId, graph_message_id: id, attempts: 1, started_at: startedAt })))
        .onConflict((oc) => oc.columns(['mailbox_id', 'graph_message_id']).doUpdateSet({ attempts: sql<number>`inbound_reads.attempts + 1`, started_at: startedAt }))
        .execute();
    }
  }

  /** Reading these messages ended: recorded (in the same transaction), or stopped by an error that was handled. */
  async end(mailboxId: number, graphIds: readonly string[]): Promise<void> {
    for (let i = 0; i < graphIds.length; i += CHUNK) {
      await this.db.deleteFrom('inbound_reads').where('mailbox_id', '=', mailboxId).where('graph_message_id', 'in', graphIds.slice(i, i + CHUNK)).execute();
    }
  }
}
