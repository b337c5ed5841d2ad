/**
 * Microsoft's identity and Graph hosts (global and national clouds). MSAL and the Graph SDK trust these
 * without being told; in production they are the only hosts Relaydesk takes tokens from or sends them to,
 * because whoever runs the authority can mint any caller's token and whoever runs "Graph" receives every
 * mailbox's access token.
 */
export const MICROSOFT_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'login.chinacloudapi.cn',
]);

export const MICROSOFT_GRAPH_HOSTS: ReadonlySet<string> = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
]);

/** Authority path segments that accept users of any Entra tenant (or any Microsoft account). */
export const MULTI_TENANT_SEGMENTS: ReadonlySet<string> = new Set(['organizations', 'common', 'consumers']);

/** True for an https URL on one of `hosts`; a plain-http "Microsoft" host is as untrusted as any other. */
export function isHttpsOn(url: string, hosts: ReadonlySet<string>): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' && hosts.has(parsed.hostname.toLowerCase());
}

/** The tenant segment of an authority URL (`https://login.microsoftonline.com/{tenant}`). */
export function authorityTenant(authority: string): string {
  return (new URL(authority).pathname.split('/').find(Boolean) ?? '').toLowerCase();
}
