import { sql, type Kysely } from 'kysely';
import type { DB, UserRole, UserRow } from '../schema';
import { preparedQuery } from '../prepared-query';
import { isStorableId, isUniqueViolation, nowIso } from '../sql-helpers';

export interface StaffIdentity {
  externalId: string;
  email: string;
  displayName: string | null;
  role: Exclude<UserRole, 'end_user'>;
}

export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(id: number): Promise<UserRow | undefined> {
    if (!isStorableId(id)) return undefined;
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
  }

  /** The user with this address, created as an end user if new; fills in a missing display name. */
  async ensureByEmail(email: string, displayName: string | null): Promise<UserRow> {
    const address = normalizeEmail(email);
    const existing = await this.findByEmail(address);
    if (existing) {
      if (!existing.display_name && displayName) {
        return this.db
          .updateTable('users')
          .set({ display_name: displayName, updated_at: nowIso() })
          .where('id', '=', existing.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      }
      return existing;
    }
    const now = nowIso();
    await this.db
      .insertInto('users')
      .values({ email: address, display_name: displayName, role: 'end_user', created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    const created = await this.findByEmail(address);
    if (!created) throw new Error(`User ${address} vanished after insert`);
    return created;
  }

  /** Agents and admins, by name (or address when they have none); never the system user who writes notes. */
  listStaff(): Promise<UserRow[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('role', 'in', ['agent', 'admin'])
      .where('email', '<>', SYSTEM_USER_EMAIL)
      .orderBy(sql`lower(coalesce(display_name, email))`)
      .orderBy('email')
      .execute();
  }

  /** Stops tickets from this sender until `until` (burst protection). */
  async blockUntil(id: number, until: string): Promise<void> {
    await this.db.updateTable('users').set({ blocked_until: until, updated_at: nowIso() }).where('id', '=', id).execute();
  }

  /** Flags an address that bounced, so Relaydesk stops emailing it. */
  async markUndeliverable(email: string, reason: string): Promise<void> {
    await this.db.updateTable('users').set({ undeliverable_reason: reason, updated_at: nowIso() }).where('email', '=', normalizeEmail(email)).execute();
  }

  /** The author of notes Relaydesk writes itself (bounces, delivery failures). */
  async ensureSystemUser(): Promise<UserRow> {
    const existing = await this.findByEmail(SYSTEM_USER_EMAIL);
    if (existing) return existing;
    const now = nowIso();
    await this.db
      .insertInto('users')
      .values({ email: SYSTEM_USER_EMAIL, display_name: 'Relaydesk', role: 'agent', created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    const created = await this.findByEmail(SYSTEM_USER_EMAIL);
    if (!created) throw new Error('System user vanished after insert');
    return created;
  }

  /**
   * The agent or admin behind an API token, keyed by `tid:oid` only. A row made from mail (no external id: a
   * requester or CC) with the token's address is adopted and promoted; a row that already belongs to another
   * identity is never re-keyed by address, since an address can pass to someone else and the token's email
   * claims prove nothing: that is a StaffIdentityConflict. Roles follow the token on every call.
   */
  async ensureStaff(identity: StaffIdentity): Promise<UserRow> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const row = await this.staffRowFor(identity);
      const now = nowIso();
      try {
        if (row) {
          if (row.role === identity.role && row.external_id === identity.externalId && (row.display_name || !identity.displayName)) return row;
          return await this.db
            .updateTable('users')
            .set({ role: identity.role, external_id: identity.externalId, display_name: row.display_name ?? identity.displayName, updated_at: now })
            .where('id', '=', row.id)
            .returningAll()
            .executeTakeFirstOrThrow();
        }
        return await this.db
          .insertInto('users')
          .values({
            email: normalizeEmail(identity.email),
            display_name: identity.displayName,
            role: identity.role,
            external_id: identity.externalId,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (error) {
        // Two first requests of the same person raced; the second attempt finds the winner's row.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
    throw new Error('unreachable');
  }

  /**
   * Keeps a staff row's role in step with the caller's latest token: someone whose app role was taken away
   * in Entra is an end user here from their next call on, and so stops getting follower mail. Reads first,
   * so the usual call (nothing changed) takes no write lock.
   */
  async recordRole(externalId: string, role: UserRole): Promise<void> {
    const [row] = await roleOf(this.db, { externalId });
    if (!row || row.role === role) return;
    await this.db.updateTable('users').set({ role, updated_at: nowIso() }).where('id', '=', row.id).execute();
  }

  private async staffRowFor(identity: StaffIdentity): Promise<UserRow | undefined> {
    const byExternal = await this.db.selectFrom('users').selectAll().where('external_id', '=', identity.externalId).executeTakeFirst();
    if (byExternal) return byExternal;
    const byEmail = await this.findByEmail(identity.email);
    // The same identity's row, committed by a concurrent first request between the two reads.
    if (byEmail?.external_id === identity.externalId) return byEmail;
    if (byEmail?.external_id != null || byEmail?.email === SYSTEM_USER_EMAIL) throw new StaffIdentityConflict(identity.externalId);
    return byEmail;
  }
}

/** A staff identity whose address already belongs to another identity's row; nothing was merged. */
export class StaffIdentityConflict extends Error {
  readonly code = 'staff_identity_conflict';

  constructor(readonly externalId: string) {
    super('This address already belongs to another staff identity');
    this.name = 'StaffIdentityConflict';
  }
}

/** Reserved address (RFC 2606 .invalid): never a real mailbox, never emailed. */
export const SYSTEM_USER_EMAIL = 'system@relaydesk.invalid';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Read on every API request (StaffDirectory.recordRole): compiled once (prepared-query.ts).
const roleOf = preparedQuery<{ externalId: string }, Pick<UserRow, 'id' | 'role'>>(['externalId'], (db, a) => db.selectFrom('users').select(['id', 'role']).where('external_id', '=', a.externalId));
