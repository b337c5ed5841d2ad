import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { roleFromClaims, type Principal } from './principal';
import { VerifiedTokenCache } from './verified-token-cache';

export interface TokenVerifierOptions {
  /** MSAL-style authority, e.g. https://login.microsoftonline.com/{tenant} (OpenID metadata under /v2.0). */
  authority: string;
  audience: string;
  /**
   * Tenants whose users may call the API. A multi-tenant authority (organizations, common) signs tokens for
   * every Entra tenant, so with one nothing is accepted until this lists ours; a single-tenant authority's
   * issuer already names its tenant, and an empty list then means "that tenant".
   */
  tenantIds: readonly string[];
  /** The API's delegated scope as clients request it (`api://{client id}/access_as_user`); `scp` must hold it. */
  apiScope: string;
  /** Tokens already verified, so a pane's repeated requests skip the signature check; default a new cache. */
  cache?: VerifiedTokenCache;
}

export type TokenErrorCode = 'invalid_token' | 'token_expired' | 'authority_unreachable';

/** Why a well-signed token was still refused; for logs and tests, never shown to the caller. */
export type TokenRefusal = 'bad_token' | 'tenant_not_allowed' | 'wrong_issuer' | 'not_an_access_token' | 'app_only_token' | 'missing_scope';

export class TokenError extends Error {
  readonly reason: TokenRefusal | undefined;

  constructor(
    readonly code: TokenErrorCode,
    message: string,
    options?: { cause?: unknown; reason?: TokenRefusal },
  ) {
    super(message, options);
    this.name = 'TokenError';
    this.reason = options?.reason;
  }
}

const OpenIdMetadata = z.object({ issuer: z.string(), jwks_uri: z.url() });

const ALGORITHMS = ['RS256'];
const CLOCK_TOLERANCE_SECONDS = 60;
/** Entra's placeholder in a multi-tenant authority's issuer. */
const TENANT_PLACEHOLDER = '{tenantid}';

const refuse = (reason: TokenRefusal, message: string): TokenError => new TokenError('invalid_token', message, { reason });

/**
 * Verifies API callers' bearer tokens: RS256 signature against the authority's JWKS (fetched and cached by
 * jose, refreshed when an unknown key id appears), audience, expiry, that it is a delegated v2 access token
 * for this API's scope, and that its tenant is one of ours with that tenant's issuer.
 */
export class TokenVerifier {
  private metadata: Promise<{ issuer: string; keys: JWTVerifyGetKey }> | undefined;
  private readonly tenantIds: ReadonlySet<string>;
  private readonly scopeName: string;
  private readonly cache: VerifiedTokenCache;

  constructor(private readonly options: TokenVerifierOptions) {
    this.cache = options.cache ?? new VerifiedTokenCache();
    this.tenantIds = new Set(options.tenantIds.map((t) => t.toLowerCase()));
    // `scp` carries the bare permission name, not the api:// URI the client asked for.
    this.scopeName = options.apiScope.slice(options.apiScope.lastIndexOf('/') + 1);
  }

  async verify(token: string): Promise<Principal> {
    const known = this.cache.get(token);
    if (known) return known;
    const { issuer, keys } = await this.loadMetadata();
    const payload = await this.verifySignature(token, keys);
    this.checkAccessToken(payload);
    const tid = this.checkTenant(payload, issuer);
    const email = [payload.preferred_username, payload.upn, payload.email].find((v): v is string => typeof v === 'string');
    const principal: Principal = {
      oid: String(payload.oid),
      tid,
      email: (email ?? `${String(payload.oid)}@unknown`).toLowerCase(),
      name: typeof payload.name === 'string' ? payload.name : null,
      role: roleFromClaims(payload.roles),
    };
    // `exp` is a required claim, checked by jwtVerify.
    return this.cache.set(token, principal, Number(payload.exp));
  }

  private async verifySignature(token: string, keys: JWTVerifyGetKey): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iss', 'tid', 'oid'],
      });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'The access token has expired', { cause: error });
      if (error instanceof joseErrors.JOSEError) throw new TokenError('invalid_token', `The access token is not valid: ${error.code}`, { cause: error, reason: 'bad_token' });
      throw error;
    }
  }

  /**
   * An ID token has the same audience (the client id) and signature as an access token for this API, so the
   * audience check alone would accept one; only an access token carries `scp`, and only an ID token `nonce`.
   * App-only tokens (client credentials, `roles` without `scp`) are refused: no caller is meant to use them.
   */
  private checkAccessToken(payload: JWTPayload): void {
    if (payload.ver !== '2.0') throw refuse('not_an_access_token', 'Only v2.0 access tokens are accepted');
    if (payload.nonce !== undefined) throw refuse('not_an_access_token', 'An ID token is not an access token');
    if (payload.idtyp === 'app') throw refuse('app_only_token', 'App-only tokens are not accepted');
    if (typeof payload.scp !== 'string') {
      throw refuse(payload.roles === undefined ? 'not_an_access_token' : 'app_only_token', 'The token carries no delegated scope');
    }
    if (!payload.scp.split(' ').includes(this.scopeName)) throw refuse('missing_scope', `The access token lacks the ${this.scopeName} scope`);
  }

  /** The token's tenant, once it is one of ours and the issuer is that tenant's own. */
  private checkTenant(payload: JWTPayload, issuer: string): string {
    const tid = String(payload.tid).toLowerCase();
    const templated = issuer.includes(TENANT_PLACEHOLDER);
    if (templated ? !this.tenantIds.has(tid) : this.tenantIds.size > 0 && !this.tenantIds.has(tid)) {
      throw refuse('tenant_not_allowed', 'The access token is from a tenant that may not call this API');
    }
    // A concrete issuer must still name the token's tenant, or `tid` would be a claim nobody checked.
    const expected = templated ? issuer.replace(TENANT_PLACEHOLDER, tid) : issuer;
    if (payload.iss !== expected || !expected.split('/').includes(tid)) throw refuse('wrong_issuer', 'The access token has an unexpected issuer');
    return tid;
  }

  private loadMetadata(): Promise<{ issuer: string; keys: JWTVerifyGetKey }> {
    this.metadata ??= this.fetchMetadata().catch((error: unknown) => {
      this.metadata = undefined; // try again on the next request rather than failing forever
      throw error;
    });
    return this.metadata;
  }

  private async fetchMetadata(): Promise<{ issuer: string; keys: JWTVerifyGetKey }> {
    const url = `${this.options.authority.replace(/\/+$/, '')}/v2.0/.well-known/openid-configuration`;
    let body: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw new TokenError('authority_unreachable', `Cannot read OpenID metadata from ${url}: ${(error as Error).message}`, { cause: error });
    }
    const metadata = OpenIdMetadata.parse(body);
    return { issuer: metadata.issuer, keys: createRemoteJWKSet(new URL(metadata.jwks_uri)) };
  }
}
