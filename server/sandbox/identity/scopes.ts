import type { AppRegistration } from '../directory';

/** Scope strings as Entra ID reads them: OIDC scopes, Graph scopes (prefixed or bare) and the app's API scopes. */

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Graph's well-known application id; Graph accepts it as an audience too. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** Delegated Graph permissions the sandbox knows; canonical spelling (Entra matches them case-insensitively). */
export const GRAPH_DELEGATED_SCOPES = [
  'Mail.Read',
  'Mail.ReadBasic',
  'Mail.ReadWrite',
  'Mail.Send',
  'Mail.Read.Shared',
  'Mail.ReadWrite.Shared',
  'Mail.Send.Shared',
  'User.Read',
  'User.ReadBasic.All',
] as const;

/** Application Graph permissions (roles) the sandbox knows. */
export const GRAPH_APPLICATION_ROLES = ['Mail.Read', 'Mail.ReadBasic', 'Mail.ReadWrite', 'Mail.Send', 'User.Read.All'] as const;

export interface ParsedScopes {
  oidc: string[];
  /** Resource (audience) -> scopes requested for it, in canonical spelling. `.default` is kept literally. */
  byResource: Map<string, string[]>;
}

export type ScopeError =
  | { kind: 'invalid_scope'; aadsts: number; message: string }
  | { kind: 'invalid_resource'; aadsts: number; message: string };

export function parseScopeString(scope: string | undefined, app: AppRegistration): { ok: true; scopes: ParsedScopes } | { ok: false; error: ScopeError } {
  const oidc: string[] = [];
  const byResource = new Map<string, string[]>();
  const add = (resource: string, s: string): void => {
    const list = byResource.get(resource) ?? [];
    if (!list.includes(s)) list.push(s);
    byResource.set(resource, list);
  };
  for (const raw of (scope ?? '').split(/\s+/).filter(Boolean)) {
    const lower = raw.toLowerCase();
    const oidcMatch = OIDC_SCOPES.find((o) => o === lower);
    if (oidcMatch) {
      if (!oidc.includes(oidcMatch)) oidc.push(oidcMatch);
      continue;
    }
    const split = splitResource(raw);
    const resource = resolveResource(split.resource, app);
    if (!resource) {
      return {
        ok: false,
        error: {
          kind: 'invalid_resource',
          aadsts: 500011,
          message: `The resource principal named ${split.resource} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
        },
      };
    }
    if (split.scope === '.default') {
      add(resource, '.default');
      continue;
    }
    const known = resource === GRAPH_RESOURCE ? GRAPH_DELEGATED_SCOPES : app.apiScopes;
    const canonical = known.find((k) => k.toLowerCase() === split.scope.toLowerCase());
    if (!canonical) {
      return { ok: false, error: { kind: 'invalid_scope', aadsts: 70011, message: `The provided value for the input parameter 'scope' is not valid. The scope ${raw} is not valid.` } };
    }
    add(resource, canonical);
  }
  return { ok: true, scopes: { oidc, byResource } };
}

function splitResource(raw: string): { resource: string; scope: string } {
  const idx = raw.lastIndexOf('/');
  // Bare names (Mail.Read) are Graph scopes, as in Entra.
  if (idx < 0) return { resource: GRAPH_RESOURCE, scope: raw };
  return { resource: raw.slice(0, idx), scope: raw.slice(idx + 1) };
}

function resolveResource(resource: string, app: AppRegistration): string | undefined {
  const r = resource.toLowerCase().replace(/\/+$/, '');
  if (r === GRAPH_RESOURCE || r === GRAPH_APP_ID || r === 'https://graph.microsoft.com/v1.0') return GRAPH_RESOURCE;
  if (r === app.apiIdentifierUri.toLowerCase() || r === app.apiAudience.toLowerCase() || r === `api://${app.clientId}`) return app.apiAudience;
  return undefined;
}

/** Expands `.default` to the statically configured permissions of the app for that resource. */
export function expandDefault(resource: string, scopes: string[], app: AppRegistration): string[] {
  if (!scopes.includes('.default')) return scopes;
  const statics = resource === GRAPH_RESOURCE ? app.graphDelegatedPermissions : app.apiScopes;
  return [...new Set([...scopes.filter((s) => s !== '.default'), ...statics])];
}

/**
 * The `scope` value of a token response. Graph scopes come back in the form the client asked for (bare
 * `Mail.Read` or `https://graph.microsoft.com/Mail.Read`), so MSAL's cache finds the token on the next silent
 * call; other resources' scopes always carry their URI.
 */
export function responseScope(resource: string, scopes: string[], app: AppRegistration, oidc: string[], graphPrefixed: boolean): string {
  const prefix = resource === GRAPH_RESOURCE ? (graphPrefixed ? `${GRAPH_RESOURCE}/` : '') : `${app.apiIdentifierUri}/`;
  return [...scopes.map((s) => `${prefix}${s}`), ...oidc].join(' ');
}

/** True when the request spelled Graph scopes with the resource URI. */
export function usesGraphPrefix(scope: string | undefined): boolean {
  return (scope ?? '').toLowerCase().includes(`${GRAPH_RESOURCE}/`);
}
