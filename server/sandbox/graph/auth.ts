import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../identity/scopes';
import { verifyJwt } from '../identity/jwt';
import type { Mailbox } from '../mail-store';
import { GraphError, graphErrors } from './graph-error';
import type { Caller, SandboxServices } from './graph-types';

/**
 * Graph's token check: a sandbox-signed RS256 token for Graph's audience from a known tenant. Anything else is
 * 401 InvalidAuthenticationToken, as Graph answers. Tokens issued before the user's revocation are refused the
 * way continuous access evaluation does it (401 with an insufficient_claims challenge); tokens the control API
 * expired (POST /sandbox/tokens/expire) as expired ones.
 */

const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

function invalidToken(message: string, extraChallenge = ''): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': `${WWW_AUTHENTICATE}${extraChallenge}` });
}

export function authenticate(header: string | undefined, services: SandboxServices): Caller {
  if (!header || !/^Bearer\s+\S/i.test(header)) throw invalidToken('Access token is empty.');
  const token = header.replace(/^Bearer\s+/i, '').trim();
  if (token.split('.').length !== 3) throw invalidToken('IDX14100: JWT is not well formed, there are no dots (.).');
  const result = verifyJwt(token, services.identity.signingKey);
  if (!result.ok) {
    if (result.reason === 'expired') throw invalidToken('Lifetime validation failed, the token is expired.');
    if (result.reason === 'not-yet-valid') throw invalidToken('Lifetime validation failed, the token is not yet valid.');
    if (result.reason === 'signature') throw invalidToken('Access token validation failure. Invalid signature.');
    throw invalidToken('IDX14100: JWT is not well formed.');
  }
  const c = result.payload;
  const aud = String(c['aud'] ?? '');
  if (aud !== GRAPH_RESOURCE && aud !== `${GRAPH_RESOURCE}/` && aud !== GRAPH_APP_ID) throw invalidToken('Access token validation failure. Invalid audience.');
  const tid = String(c['tid'] ?? '');
  if (!services.directory.tenants.has(tid) || c['iss'] !== services.identity.issuer.issuer(tid)) throw invalidToken('Access token validation failure. Invalid issuer.');
  const appId = String(c['azp'] ?? c['appid'] ?? '');
  const scopes = new Set(typeof c['scp'] === 'string' ? c['scp'].split(' ').filter(Boolean) : []);
  const roles = new Set(Array.isArray(c['roles']) ? c['roles'].map(String) : []);
  const caller: Caller = { appId, tenantId: tid, scopes, roles, token };
  if (c['idtyp'] === 'app' || typeof c['scp'] !== 'string') {
    const scope = services.appScopes.scopeOf(appId, tid);
    if (scope) caller.appScope = scope;
  } else {
    const user = services.directory.findUser(String(c['oid'] ?? ''));
    if (!user) throw invalidToken('Access token validation failure. The user does not exist.');
    const issuedMs = typeof c['xms_iat_ms'] === 'number' ? c['xms_iat_ms'] : Number(c['iat'] ?? 0) * 1000;
    if (issuedMs < user.tokensValidAfter) {
      const claims = Buffer.from(JSON.stringify({ access_token: { nbf: { essential: true, value: String(Math.floor(user.tokensValidAfter / 1000)) } } })).toString('base64');
      throw invalidToken(
        'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp',
        `, error="insufficient_claims", claims="${claims}"`,
      );
    }
    if (services.identity.accessTokenExpired(user.oid, issuedMs)) throw invalidToken('Lifetime validation failed, the token is expired.');
    caller.user = user;
  }
  return caller;
}

export type MailAccess = 'read' | 'write' | 'send';

const DELEGATED: Record<MailAccess, string[]> = {
  read: ['Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  write: ['Mail.ReadWrite', 'Mail.ReadWrite.Shared'],
  send: ['Mail.Send', 'Mail.Send.Shared'],
};
const APPLICATION: Record<MailAccess, string[]> = {
  read: ['Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic'],
  write: ['Mail.ReadWrite'],
  send: ['Mail.Send'],
};

/**
 * The one check every mail route makes before it acts. Delegated callers reach only their own mailbox (the
 * sandbox emulates no mailbox permissions: a shared mailbox is out of a delegated caller's reach); app-only callers
 * reach the mailboxes of their tenant with the matching application permission, within the app's scope when one
 * is set (403 with Exchange's access-policy message outside it). Another tenant's mailbox never gets here: the
 * dispatcher answers it as an unknown user.
 */
export function requireMailAccess(caller: Caller, mailbox: Mailbox, access: MailAccess): void {
  if (caller.user) {
    if (caller.user.oid !== mailbox.guid) throw graphErrors.accessDenied();
    if (!DELEGATED[access].some((s) => caller.scopes.has(s))) throw graphErrors.accessDenied();
    return;
  }
  if (!APPLICATION[access].some((r) => caller.roles.has(r))) throw graphErrors.accessDenied();
  if (caller.appScope && !caller.appScope.has(mailbox.guid)) throw graphErrors.appAccessPolicy();
}
