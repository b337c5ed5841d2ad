/**
 * Who signed in, read from the Relaydesk API access token. The roles only decide what the pane offers (the
 * Mailboxes view for admins); the server checks every call again, so a forged claim gains nothing.
 */

export interface Session {
  username: string;
  name: string | null;
  roles: string[];
  isAdmin: boolean;
  isAgent: boolean;
}

export const ADMIN_ROLE = 'Relaydesk.Admin';
export const AGENT_ROLE = 'Relaydesk.Agent';

/** The JWT's payload, or {} when the token is not a readable JWT (an opaque token is not an error here). */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function sessionFrom(accessToken: string, account: { username: string; name?: string | undefined }): Session {
  const claims = claimsOf(accessToken);
  const roles = Array.isArray(claims['roles']) ? claims['roles'].filter((r): r is string => typeof r === 'string') : [];
  const isAdmin = roles.includes(ADMIN_ROLE);
  return { username: account.username, name: account.name ?? null, roles, isAdmin, isAgent: isAdmin || roles.includes(AGENT_ROLE) };
}
