import type { Principal } from '../identity/principal';
import type { UserRow } from '../store/schema';
import type { Store } from '../store/store';

export { StaffIdentityConflict } from '../store/repositories/users';

/** A person of the helpdesk's staff (agent or admin) as the ticket domain knows them. */
export type StaffMember = UserRow;

/**
 * Staff as API callers: one row per Entra identity (tenant and object id), created on first use and kept in step
 * with the role the caller's token carries.
 */
export class StaffDirectory {
  constructor(private readonly store: Store) {}

  /** The caller's staff row, created on first use from the token's identity. */
  ensure(principal: Principal): Promise<StaffMember> {
    return this.store.users.ensureStaff({ externalId: staffKey(principal), email: principal.email, displayName: principal.name, role: principal.role === 'admin' ? 'admin' : 'agent' });
  }

  /** A role removed in Entra is removed here at the caller's next request, not only when they next write. */
  async recordRole(principal: Principal): Promise<void> {
    await this.store.users.recordRole(staffKey(principal), principal.role);
  }
}

/** Tenant and object id: the one identity Entra never reuses (an email address can move between people). */
function staffKey(principal: Principal): string {
  return `${principal.tid}:${principal.oid}`;
}
