import type { Kysely } from 'kysely';
import type { AuditRow, DB } from '../schema';
import { nowIso } from '../sql-helpers';

export interface AuditEntry {
  /** Who did it: an admin's or agent's email (and object id), or `system`. */
  actor: string;
  action: string;
  targetType: string;
  targetId: string | number;
  details?: Record<string, unknown>;
}

export class AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        actor: entry.actor,
        action: entry.action,
        target_type: entry.targetType,
        target_id: String(entry.targetId),
        details: JSON.stringify(entry.details ?? {}),
        created_at: nowIso(),
      })
      .execute();
  }

  list(filter: { targetType?: string; targetId?: string | number; limit: number }): Promise<AuditRow[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (filter.targetType) query = query.where('target_type', '=', filter.targetType);
    if (filter.targetId !== undefined) query = query.where('target_id', '=', String(filter.targetId));
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }
}
