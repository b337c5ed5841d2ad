import type { Principal } from '../identity/principal';
import type { UserRow } from '../store/schema';
import type { Store } from '../store/store';

export { StaffIdentityConflict } from '../store/repositories/users';

/** A person of the helpdesk's staff (agent or admin) as the ticket domain knows them. */
export type StaffMember = UserRow;

/** A staff member as the API shows them (GET /api/me, GET /api/agents). */
export interface AgentView {
  id: number;
  email: string;
  name: string | null;
  role: 'agent' | 'admin';
}

export function agentView(member: StaffMember): AgentView {
  return { id: member.id, email: member.email, name: member.display_name, role: member.role === 'admin' ? 'admin' : 'agent' };
}

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

  /** Every agent and admin, to assign tickets to: by name, then address. */
  async list(): Promise<AgentView[]> {
    return (await this.store.users.listStaff()).map(agentView);
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
