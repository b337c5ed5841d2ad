/**
 * Exchange's limits on application permissions: which mailboxes of a tenant an app's own (app-only) token may
 * reach, as RBAC for Applications (a management scope) or an ApplicationAccessPolicy (RestrictAccess to a group)
 * sets them. Without a scope in a tenant the app reaches every mailbox there, as Exchange grants Mail.* application
 * permissions by default. Delegated tokens are never limited by it.
 *
 * Changes apply to the next request. Exchange caches them (Graph's access-policy page: "longer than 1 hour" to
 * take effect); the sandbox does not make tests wait for that.
 */
export class AppScopes {
  /** appId (lower case) -> tenantId -> mailbox object ids the app may reach there. */
  private readonly scopes = new Map<string, Map<string, ReadonlySet<string>>>();

  /** Replaces the app's scope in one tenant. */
  set(appId: string, tenantId: string, mailboxGuids: Iterable<string>): void {
    const key = appId.toLowerCase();
    const byTenant = this.scopes.get(key) ?? new Map<string, ReadonlySet<string>>();
    byTenant.set(tenantId, new Set(mailboxGuids));
    this.scopes.set(key, byTenant);
  }

  /** Removes every scope of the app (tenant-wide again); false when it had none. */
  clear(appId: string): boolean {
    return this.scopes.delete(appId.toLowerCase());
  }

  /** The mailboxes the app may reach in the tenant, or undefined when it reaches all of them. */
  scopeOf(appId: string, tenantId: string): ReadonlySet<string> | undefined {
    return this.scopes.get(appId.toLowerCase())?.get(tenantId);
  }

  allows(appId: string, mailbox: { guid: string; tenantId: string }): boolean {
    const scope = this.scopeOf(appId, mailbox.tenantId);
    return scope === undefined || scope.has(mailbox.guid);
  }

  list(): { appId: string; tenantId: string; mailboxGuids: string[] }[] {
    const out: { appId: string; tenantId: string; mailboxGuids: string[] }[] = [];
    for (const [appId, byTenant] of this.scopes) for (const [tenantId, guids] of byTenant) out.push({ appId, tenantId, mailboxGuids: [...guids] });
    return out;
  }
}
