import crypto from 'node:crypto';
import type { KeyCredentials } from './identity/client-certificates';

/** The directory: tenants, users and the one pre-registered app. Entra ID's objects, reduced to what the sandbox needs. */

export interface Tenant {
  id: string;
  displayName: string;
  /** Verified domains; mail to an unknown address in one of them bounces instead of leaving the sandbox. */
  domains: Set<string>;
}

export interface User {
  oid: string;
  tenantId: string;
  upn: string;
  displayName: string;
  /** App roles of the Relaydesk app assigned to this user (Relaydesk.Admin, Relaydesk.Agent). */
  roles: string[];
  /** Tokens issued before this instant (ms) are refused: set by revocation (like revokeSignInSessions). */
  tokensValidAfter: number;
  /** The SMTP address of the user's mailbox when it is not the UPN: mail goes to it, sign-in uses the UPN. */
  mail?: string;
  /** False for a shared mailbox's account: Exchange creates it disabled, so nobody signs in as it (AADSTS50057). */
  accountEnabled: boolean;
  /** The account of an Exchange shared mailbox (no licence, no sign-in). */
  shared: boolean;
}

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  displayName: string;
  tenantId: string;
  /** `aud` of tokens for the app's own API (v2 tokens carry the API's client id). */
  apiAudience: string;
  /** The Application ID URI, the prefix of the API's scopes. */
  apiIdentifierUri: string;
  apiScopes: string[];
  appRoles: string[];
  /** Delegated Graph permissions the app asks for by default (`https://graph.microsoft.com/.default`). */
  graphDelegatedPermissions: string[];
  /** Application permissions an admin granted (client credentials tokens carry them as roles). */
  graphApplicationPermissions: string[];
  /** Certificates whose keys may sign the app's client assertions (Entra's keyCredentials). */
  keyCredentials: KeyCredentials;
}

export const RELAYDESK_APP_ROLES = ['Relaydesk.Admin', 'Relaydesk.Agent'] as const;

export class DirectoryError extends Error {
  constructor(
    readonly code: 'InvalidUpn' | 'UnknownTenant' | 'AddressInUse',
    message: string,
  ) {
    super(message);
  }
}

const UPN_PATTERN = /^[^\s@"<>(),;:\\[\]]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export class Directory {
  readonly tenants = new Map<string, Tenant>();
  private readonly usersByOid = new Map<string, User>();
  private readonly usersByUpn = new Map<string, User>();
  private readonly usersByMail = new Map<string, User>();

  constructor(
    readonly defaultTenant: Tenant,
    readonly app: AppRegistration,
  ) {
    this.tenants.set(defaultTenant.id, defaultTenant);
  }

  /** Resolves the tenant segment of an authority URL: a GUID, a verified domain, or null for common/organizations. */
  resolveTenantSegment(segment: string): Tenant | 'multi' | undefined {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations') return 'multi';
    const byId = this.tenants.get(s);
    if (byId) return byId;
    for (const t of this.tenants.values()) if (t.domains.has(s)) return t;
    return undefined;
  }

  ensureTenant(id: string, displayName?: string): Tenant {
    const key = id.toLowerCase();
    let t = this.tenants.get(key);
    if (!t) {
      t = { id: key, displayName: displayName ?? `Tenant ${key.slice(0, 8)}`, domains: new Set() };
      this.tenants.set(key, t);
    }
    return t;
  }

  /** Creates or updates a user. The object id is derived from tenant and UPN so it is stable across restarts. */
  upsertUser(input: { upn: string; displayName?: string; roles?: string[]; tenantId?: string; shared?: boolean }): { user: User; created: boolean } {
    const upn = input.upn.trim();
    if (!UPN_PATTERN.test(upn)) throw new DirectoryError('InvalidUpn', `'${input.upn}' is not a valid user principal name.`);
    const existing = this.usersByUpn.get(upn.toLowerCase());
    const mailHolder = this.usersByMail.get(upn.toLowerCase());
    if (mailHolder) throw new DirectoryError('AddressInUse', `'${upn}' is the mailbox address of ${mailHolder.upn}.`);
    if (existing) {
      if (input.displayName !== undefined) existing.displayName = input.displayName;
      if (input.roles !== undefined) existing.roles = [...input.roles];
      return { user: existing, created: false };
    }
    const tenant = input.tenantId ? this.ensureTenant(input.tenantId) : this.defaultTenant;
    tenant.domains.add(domainOf(upn));
    const user: User = {
      oid: stableGuid(`${tenant.id}:${upn.toLowerCase()}`),
      tenantId: tenant.id,
      upn,
      displayName: input.displayName ?? upn.split('@')[0] ?? upn,
      roles: [...(input.roles ?? [])],
      tokensValidAfter: 0,
      accountEnabled: input.shared !== true,
      shared: input.shared === true,
    };
    this.usersByOid.set(user.oid, user);
    this.usersByUpn.set(upn.toLowerCase(), user);
    return { user, created: true };
  }

  /**
   * Gives the user's mailbox an SMTP address other than the UPN, as an organisation whose sign-in names are
   * not its email addresses has. An address another user holds (as UPN or mail) is refused.
   */
  assignMail(user: User, address: string): void {
    const mail = address.trim();
    if (!UPN_PATTERN.test(mail)) throw new DirectoryError('InvalidUpn', `'${address}' is not a valid email address.`);
    const holder = this.usersByUpn.get(mail.toLowerCase()) ?? this.usersByMail.get(mail.toLowerCase());
    if (holder && holder !== user) throw new DirectoryError('AddressInUse', `'${address}' already belongs to ${holder.upn}.`);
    if (user.mail) this.usersByMail.delete(user.mail.toLowerCase());
    if (mail.toLowerCase() === user.upn.toLowerCase()) {
      delete user.mail;
      return;
    }
    user.mail = mail;
    this.usersByMail.set(mail.toLowerCase(), user);
    this.tenants.get(user.tenantId)?.domains.add(domainOf(mail));
  }

  /**
   * Finds a user by object id, UPN or mailbox address. Graph documents /users/{id | userPrincipalName};
   * its mail endpoints (/users/{address}/messages) reach a mailbox by SMTP address too.
   */
  findUser(idOrUpn: string): User | undefined {
    const key = idOrUpn.toLowerCase();
    return this.usersByOid.get(key) ?? this.usersByUpn.get(key) ?? this.usersByMail.get(key);
  }

  usersOf(tenantId: string): User[] {
    return [...this.usersByOid.values()].filter((u) => u.tenantId === tenantId);
  }

  allUsers(): User[] {
    return [...this.usersByOid.values()];
  }

  /** True when the address's domain belongs to a sandbox tenant, i.e. the sandbox is authoritative for it. */
  isLocalDomain(address: string): boolean {
    const d = domainOf(address);
    for (const t of this.tenants.values()) if (t.domains.has(d)) return true;
    return false;
  }
}

export function domainOf(address: string): string {
  return (address.split('@')[1] ?? '').toLowerCase();
}

/** A GUID derived from a name (RFC 4122 version 5 layout over SHA-1), so seeded objects keep their ids. */
export function stableGuid(name: string): string {
  const h = crypto.createHash('sha1').update(`relaydesk-sandbox:${name}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function isGuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

/** The redirect URIs registered for the Relaydesk app: any localhost port, http or https (Entra ignores the port of localhost). */
export function isRegisteredRedirectUri(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  const hostOk = u.hostname === 'localhost' || u.hostname === '127.0.0.1';
  return hostOk && (u.protocol === 'https:' || u.protocol === 'http:') && u.hash === '';
}
