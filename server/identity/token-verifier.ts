import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { roleFromClaims, type Principal } from './principal';

export interface TokenVerifierOptions {
  /** MSAL-style authority, e.g. https://login.microsoftonline.com/{tenant} (OpenID metadata under /v2.0). */
  authority: string;
  audience: string;
  /** When set, tokens from any other tenant are refused. */
  tenantId?: string | undefined;
}

export type TokenErrorCode = 'invalid_token' | 'token_expired' | 'authority_unreachable';

export class TokenError extends Error {
  constructor(readonly code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
  }
}

const OpenIdMetadata = z.object({ issuer: z.string(), jwks_uri: z.url() });

const ALGORITHMS = ['RS256'];
const CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Verifies API callers' bearer tokens: RS256 signature against the authority's JWKS (fetched and cached by
 * jose, refreshed when an unknown key id appears), issuer, audience, expiry and tenant.
 */
export class TokenVerifier {
  private metadata: Promise<{ issuer: string; keys: JWTVerifyGetKey }> | undefined;

  constructor(private readonly options: TokenVerifierOptions) {}

  async verify(token: string): Promise<Principal> {
    const { issuer, keys } = await this.loadMetadata();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iss', 'tid', 'oid'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'The access token has expired', { cause: error });
      if (error instanceof joseErrors.JOSEError) throw new TokenError('invalid_token', `The access token is not valid: ${error.code}`, { cause: error });
      throw error;
    }
    const tid = String(payload.tid);
    // Multi-tenant metadata has a `{tenantid}` placeholder in its issuer; the token's own tenant fills it.
    if (payload.iss !== issuer.replace('{tenantid}', tid)) throw new TokenError('invalid_token', 'The access token has an unexpected issuer');
    if (this.options.tenantId && tid !== this.options.tenantId) throw new TokenError('invalid_token', 'The access token is from another tenant');
    const email = [payload.preferred_username, payload.upn, payload.email].find((v): v is string => typeof v === 'string');
    return {
      oid: String(payload.oid),
      tid,
      email: (email ?? `${String(payload.oid)}@unknown`).toLowerCase(),
      name: typeof payload.name === 'string' ? payload.name : null,
      role: roleFromClaims(payload.roles),
    };
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
