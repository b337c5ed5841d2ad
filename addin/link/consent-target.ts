import type { AuthConfig } from '../api/types';

/** The one endpoint under the authority the consent dialog may open. */
const AUTHORIZE_PATH = 'oauth2/v2.0/authorize';

/**
 * The URL dialog-start.html may forward to, or null. The page takes its target from its own URL, so anyone
 * could link to it with any target: it forwards only to our authority's authorize endpoint (same origin and
 * tenant path, https) for our client id, never to another site, tenant, app or endpoint (an open redirect
 * that would show a phishing page inside an Office dialog on our origin).
 */
export function consentTarget(to: string, config: Pick<AuthConfig, 'authority' | 'clientId'>): URL | null {
  let target: URL;
  let authority: URL;
  try {
    target = new URL(to);
    authority = new URL(config.authority);
  } catch {
    return null;
  }
  const authorizePath = `${authority.pathname.replace(/\/+$/, '')}/${AUTHORIZE_PATH}`;
  if (target.protocol !== 'https:' || target.origin !== authority.origin || target.pathname !== authorizePath) return null;
  if (target.username || target.password || target.hash) return null;
  const clientIds = target.searchParams.getAll('client_id');
  return clientIds.length === 1 && clientIds[0] === config.clientId ? target : null;
}
