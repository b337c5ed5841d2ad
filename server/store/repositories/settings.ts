import type { Kysely } from 'kysely';
import type { DB } from '../schema';
import { nowIso } from '../sql-helpers';

/** Key/value helpdesk settings; values are JSON. Defaults live with the code that reads them. */
export class SettingsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async all(): Promise<Record<string, unknown>> {
    const rows = await this.db.selectFrom('settings').select(['key', 'value']).execute();
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  async set(key: string, value: unknown, updatedBy: string): Promise<void> {
    const row = { key, value: JSON.stringify(value), updated_by: updatedBy, updated_at: nowIso() };
    await this.db
      .insertInto('settings')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute();
  }
}
