import type { Request, Response, Router } from 'express';
import type { Tenant, User } from '../directory';
import { AadError, aad } from './aad-errors';
import { JWT_BEARER, tokenEndpointAudiences, verifyClientAssertion } from './client-assertion';
import { pkceMatches, type Consent, type RefreshRecord } from './grants';
import type { IdentityService } from './identity-service';
import { GRAPH_RESOURCE, parseScopeString, responseScope, usesGraphPrefix } from './scopes';
import type { ClientAuth } from './token-issuer';

/**
 * `/{tenant}/oauth2/v2.0/token`: authorization_code (with PKCE), refresh_token (rotating, the previous token
 * still valid, as in Entra) and client_credentials. A confidential client authenticates with its secret or a
 * certificate-signed client assertion (either, for every grant, never both); a browser (SPA, recognised by its
 * Origin header, as Entra does) redeems without one but must have used PKCE. client_credentials needs a tenant
 * (a GUID or verified domain in the path): the app's token is issued in that tenant.
 */
export function mountTokenEndpoint(router: Router, identity: IdentityService): void {
  router.post('/:tenant/oauth2/v2.0/token', (req: Request, res: Response) => {
    const correlationId = req.get('client-request-id') ?? undefined;
    res.set({ 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
    try {
      const tenantSegment = String(req.params['tenant']);
      const tenant = identity.directory.resolveTenantSegment(tenantSegment);
      if (!tenant) throw aad.tenantNotFound(tenantSegment);
      const body = stringFields(req.body);
      const result = handleToken(identity, body, req, { segment: tenantSegment, tenant });
      res.status(200).json(result);
    } catch (err) {
      if (err instanceof AadError) {
        res.status(err.status).json(err.body(correlationId));
        return;
      }
      throw err;
    }
  });
}

interface TokenResponse {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

/** The tenant segment of the request's path, and what it names. */
interface RequestTenant {
  segment: string;
  tenant: Tenant | 'multi';
}

function handleToken(identity: IdentityService, body: Record<string, string>, req: Request, where: RequestTenant): TokenResponse {
  const app = identity.directory.app;
  const basic = basicAuth(req);
  const clientId = body['client_id'] ?? basic?.id;
  if (!clientId) throw aad.missingParam('client_id');
  if (clientId !== app.clientId) throw aad.appNotFound(clientId);
  const grantType = body['grant_type'];
  const clientAuth = authenticateClient(identity, body, req, clientId, where);
  const isBrowser = req.get('origin') !== undefined;

  if (!grantType) throw aad.missingParam('grant_type');
  switch (grantType) {
    case 'authorization_code':
      return redeemCode(identity, body, clientId, clientAuth, isBrowser && clientAuth === '0');
    case 'refresh_token':
      return redeemRefresh(identity, body, clientId, clientAuth);
    case 'client_credentials':
      if (clientAuth === '0') throw aad.missingClientCredential();
      return clientCredentials(identity, body, clientId, clientAuth, where);
    default:
      throw aad.unsupportedGrantType(grantType);
  }
}

/**
 * Who the client is: its secret ('1'), a client assertion signed with one of its certificates ('2'), or nothing
 * ('0', a browser's PKCE redemption). One method per request (RFC 6749 2.3.1).
 */
function authenticateClient(identity: IdentityService, body: Record<string, string>, req: Request, clientId: string, where: RequestTenant): ClientAuth {
  const app = identity.directory.app;
  const secret = body['client_secret'] ?? basicAuth(req)?.secret;
  const assertion = body['client_assertion'];
  if (secret !== undefined && assertion !== undefined) throw aad.twoClientCredentials();
  if (assertion !== undefined) {
    if (body['client_assertion_type'] !== JWT_BEARER) throw aad.badAssertionType();
    const names = where.tenant === 'multi' ? [where.segment] : [where.segment, where.tenant.id, ...where.tenant.domains];
    verifyClientAssertion({ assertion, clientId, audiences: tokenEndpointAudiences(identity.baseUrl, names), credentials: app.keyCredentials });
    return '2';
  }
  if (secret !== undefined) {
    if (secret !== app.clientSecret) throw aad.badSecret(clientId);
    return '1';
  }
  if (body['grant_type'] === 'client_credentials') throw aad.missingClientCredential();
  if (req.get('origin') === undefined) throw aad.missingSecret();
  return '0';
}

function redeemCode(identity: IdentityService, body: Record<string, string>, clientId: string, clientAuth: ClientAuth, spa: boolean): TokenResponse {
  const code = body['code'];
  if (!code) throw aad.missingParam('code');
  const redirectUri = body['redirect_uri'];
  if (!redirectUri) throw aad.missingParam('redirect_uri');
  const redeemed = identity.grants.redeemCode(code);
  if (!redeemed.ok) {
    if (redeemed.reason === 'redeemed') throw aad.codeRedeemed();
    if (redeemed.reason === 'expired') throw aad.codeExpired();
    throw aad.malformedGrant('authorization code');
  }
  const rec = redeemed.record;
  if (rec.clientId !== clientId || rec.redirectUri !== redirectUri) throw aad.codeClientMismatch();
  if (rec.codeChallenge) {
    const verifier = body['code_verifier'];
    if (!verifier) throw aad.pkceMissing();
    if (!pkceMatches(verifier, rec.codeChallenge, rec.codeChallengeMethod ?? 'plain')) throw aad.pkceMismatch();
  } else if (spa) {
    throw aad.pkceRequiredForSpa();
  }
  const user = identity.directory.findUser(rec.userOid);
  if (!user) throw aad.userGone();
  if (!user.accountEnabled) throw aad.userDisabled();
  return mint(identity, { user, clientId, clientAuth, consent: rec.consent, oidc: rec.oidc, requestScope: body['scope'], spa, ...(rec.nonce ? { nonce: rec.nonce } : {}) });
}

function redeemRefresh(identity: IdentityService, body: Record<string, string>, clientId: string, clientAuth: ClientAuth): TokenResponse {
  const token = body['refresh_token'];
  if (!token) throw aad.missingParam('refresh_token');
  const found = identity.grants.findRefresh(token);
  if (!found.ok) {
    if (found.reason === 'revoked') throw aad.refreshRevoked();
    if (found.reason === 'rotated') throw aad.refreshRotated();
    if (found.reason === 'expired') throw aad.refreshExpired();
    throw aad.malformedGrant('refresh token');
  }
  const rec: RefreshRecord = found.record;
  if (rec.clientId !== clientId) throw aad.codeClientMismatch();
  const user = identity.directory.findUser(rec.userOid);
  if (!user) throw aad.userGone();
  if (!user.accountEnabled) throw aad.userDisabled();
  if (rec.issuedAt < user.tokensValidAfter) throw aad.refreshRevoked();
  const response = mint(identity, { user, clientId, clientAuth, consent: rec.consent, oidc: rec.oidc, requestScope: body['scope'], spa: rec.spa, successorOf: rec });
  identity.grants.redeemedRefresh(rec);
  return response;
}

function clientCredentials(identity: IdentityService, body: Record<string, string>, clientId: string, clientAuth: ClientAuth, where: RequestTenant): TokenResponse {
  const app = identity.directory.app;
  // The app's own token belongs to one tenant; /common and /organizations name none.
  if (where.tenant === 'multi') throw aad.noTenant();
  const tenantId = where.tenant.id;
  const scope = body['scope'];
  if (!scope) throw aad.missingParam('scope');
  const parsed = parseScopeString(scope, app);
  if (!parsed.ok) throw new AadError(parsed.error.kind, parsed.error.aadsts, parsed.error.message);
  const resources = [...parsed.scopes.byResource.entries()];
  const only = resources[0];
  if (resources.length !== 1 || !only || only[1].length !== 1 || only[1][0] !== '.default' || parsed.scopes.oidc.length > 0) throw aad.clientCredentialsScope(scope);
  const resource = only[0];
  const roles = resource === GRAPH_RESOURCE ? app.graphApplicationPermissions : [];
  const at = identity.issuer.accessToken({ clientId, tenantId, resource, roles: [...roles], clientAuth });
  return { token_type: 'Bearer', scope: resource === GRAPH_RESOURCE ? `${GRAPH_RESOURCE}/.default` : `${app.apiIdentifierUri}/.default`, expires_in: at.expiresIn, ext_expires_in: at.expiresIn, access_token: at.token };
}

interface MintInput {
  user: User;
  clientId: string;
  clientAuth: ClientAuth;
  consent: Consent;
  oidc: string[];
  requestScope: string | undefined;
  spa: boolean;
  nonce?: string;
  /** The refresh token this request redeemed (its successor joins its family). */
  successorOf?: RefreshRecord;
}

/** Picks the one resource the token is for (Entra issues one audience per access token), checks consent, mints. */
function mint(identity: IdentityService, input: MintInput): TokenResponse {
  const app = identity.directory.app;
  let resource: string | undefined;
  if (input.requestScope) {
    const parsed = parseScopeString(input.requestScope, app);
    if (!parsed.ok) throw new AadError(parsed.error.kind, parsed.error.aadsts, parsed.error.message);
    const resources = [...parsed.scopes.byResource.keys()];
    if (resources.length > 1) throw aad.multipleResources();
    resource = resources[0];
    if (resource) {
      const wanted = (parsed.scopes.byResource.get(resource) ?? []).filter((s) => s !== '.default');
      const granted = input.consent[resource];
      if (!granted || !wanted.every((s) => granted.includes(s))) throw aad.noConsent(input.clientId);
    }
  }
  resource ??= Object.keys(input.consent)[0] ?? GRAPH_RESOURCE;
  // Entra grants all consented scopes of the resource, not just the requested subset.
  const scopes = input.consent[resource] ?? ['User.Read'];
  const at = identity.issuer.accessToken({ clientId: input.clientId, tenantId: input.user.tenantId, resource, user: input.user, scopes, clientAuth: input.clientAuth });
  const out: TokenResponse = {
    token_type: 'Bearer',
    scope: responseScope(resource, scopes, app, input.oidc.filter((o) => o !== 'offline_access'), usesGraphPrefix(input.requestScope)),
    expires_in: at.expiresIn,
    ext_expires_in: at.expiresIn,
    access_token: at.token,
    client_info: identity.issuer.clientInfo(input.user),
  };
  if (input.oidc.includes('offline_access')) {
    out.refresh_token = identity.grants.issueRefresh({
      userOid: input.user.oid,
      tenantId: input.user.tenantId,
      clientId: input.clientId,
      consent: input.consent,
      oidc: input.oidc,
      spa: input.spa,
      ...(input.successorOf ? { successorOf: input.successorOf } : {}),
    });
  }
  if (input.oidc.includes('openid')) {
    out.id_token = identity.issuer.idToken({ user: input.user, clientId: input.clientId, ...(input.nonce ? { nonce: input.nonce } : {}) });
  }
  return out;
}

function stringFields(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

function basicAuth(req: Request): { id: string; secret: string } | undefined {
  const h = req.get('authorization');
  if (!h?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const idx = decoded.indexOf(':');
  if (idx < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, idx)), secret: decodeURIComponent(decoded.slice(idx + 1)) };
}
