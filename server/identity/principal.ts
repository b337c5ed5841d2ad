export type Role = 'admin' | 'agent' | 'end_user';

/** Entra app roles of the Relaydesk API, as they appear in the access token's `roles` claim. */
export const APP_ROLES = { admin: 'Relaydesk.Admin', agent: 'Relaydesk.Agent' } as const;

/** Who is calling the API, from a verified access token. */
export interface Principal {
  /** Entra object id; with the tenant id, the stable key of a person. */
  oid: string;
  tid: string;
  email: string;
  name: string | null;
  role: Role;
}

export function roleFromClaims(roles: unknown): Role {
  const list = Array.isArray(roles) ? roles : [];
  if (list.includes(APP_ROLES.admin)) return 'admin';
  if (list.includes(APP_ROLES.agent)) return 'agent';
  return 'end_user';
}

/** Admins can do everything agents can. */
export function hasRole(principal: Principal, needed: Exclude<Role, 'end_user'>): boolean {
  return needed === 'agent' ? principal.role === 'agent' || principal.role === 'admin' : principal.role === 'admin';
}
