import type { Kysely, Selectable } from 'kysely';
import type { DB, DeadLettersTable } from '../schema';
import { isStorableId, nowIso } from '../sql-helpers';

export type DeadLetterRow = Selectable<DeadLettersTable>;

export interface NewDeadLetter {
  mailboxId: number;
  graphMessageId: string | null;
  internetMessageId: string | null;
  reasonCode: string;
  reason: string;
  raw: Buffer | null;
}

/** Mail that could not be processed, kept with its raw content so it can be replayed once fixed. */
export class DeadLettersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(letter: NewDeadLetter): Promise<DeadLetterRow> {
    return this.db
      .insertInto('dead_letters')
      .values({
        mailbox_id: letter.mailboxId,
        graph_message_id: letter.graphMessageId,
        internet_message_id: letter.internetMessageId,
        reason_code: letter.reasonCode,
        reason: letter.reason,
        raw: letter.raw,
        state: 'open',
        created_at: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findById(id: number): Promise<DeadLetterRow | undefined> {
    if (!isStorableId(id)) return undefined;
    return this.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Without the raw content, which can be megabytes. */
  list(filter: { state?: DeadLetterRow['state']; limit: number }) {
    let query = this.db
      .selectFrom('dead_letters')
      .select(['id', 'mailbox_id', 'graph_message_id', 'internet_message_id', 'reason_code', 'reason', 'state', 'created_at', 'resolved_at']);
    if (filter.state) query = query.where('state', '=', filter.state);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Open dead letters (neither replayed nor discarded) per mailbox id, for /metrics; mailboxes with none are absent. */
  async countOpenByMailbox(): Promise<Map<number, number>> {
    const rows = await this.db.selectFrom('dead_letters').select(['mailbox_id', (eb) => eb.fn.countAll<number>().as('n')]).where('state', '=', 'open').groupBy('mailbox_id').execute();
    return new Map(rows.map((r) => [r.mailbox_id, Number(r.n)]));
  }

  async resolve(id: number, state: 'replayed' | 'discarded'): Promise<void> {
    await this.db.updateTable('dead_letters').set({ state, resolved_at: nowIso() }).where('id', '=', id).execute();
  }
}
