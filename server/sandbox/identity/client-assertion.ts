import crypto from 'node:crypto';
import { aad } from './aad-errors';
import type { KeyCredential, KeyCredentials } from './client-certificates';
import { decodeJwt } from './jwt';

/**
 * Certificate credentials ("private_key_jwt", Entra's certificate-credentials page): a JWT the app signs with a
 * registered certificate's key, RS256 with `x5t` (SHA-1 thumbprint) or PS256 with `x5t#S256`; `iss` = `sub` =
 * the client id; `aud` the token endpoint; `nbf` / `exp` around now. Each failure answers Entra's AADSTS code.
 * A `jti` seen before is accepted: Entra does not refuse one, and msal-node sends the same assertion for up to ten
 * minutes.
 */

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Clock skew Entra tolerates on `nbf` and `exp` (Microsoft.IdentityModel's default, five minutes). */
export const ASSERTION_CLOCK_SKEW_SECONDS = 300;

export interface AssertionCheck {
  assertion: string;
  clientId: string;
  /** Every `aud` the request's tenant accepts (its token endpoint, by tenant id or verified domain). */
  audiences: string[];
  credentials: KeyCredentials;
  nowSeconds?: number;
}

export function verifyClientAssertion(check: AssertionCheck): KeyCredential {
  const now = check.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (check.assertion.split('.').length !== 3) throw aad.assertionMalformed('a JWT has three dot-separated parts.');
  const decoded = decodeJwt(check.assertion);
  if (!decoded) throw aad.assertionMalformed('the header and payload must be base64url JSON objects.');
  const { header, payload, parts: [h, p, s] } = decoded;
  const alg = header['alg'];
  if (alg !== 'RS256' && alg !== 'PS256') throw aad.assertionMalformed(`unsupported signing algorithm '${String(alg)}'; use PS256 or RS256.`);

  if (payload['iss'] !== check.clientId) throw aad.assertionIssuer();
  if (payload['sub'] !== payload['iss']) throw aad.assertionSubject();

  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const x5t = typeof header['x5t'] === 'string' ? header['x5t'] : undefined;
  const credential = check.credentials.byHeader(x5tS256, x5t);
  const shownThumbprint = hexOf(x5tS256 ?? x5t ?? '');
  if (!credential) throw aad.assertionKeyNotFound(shownThumbprint, check.clientId);
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const key: crypto.VerifyKeyObjectInput | crypto.KeyObject =
    alg === 'PS256' ? { key: credential.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST } : credential.publicKey;
  if (!crypto.verify('sha256', data, key, signature)) throw aad.assertionBadSignature(credential.thumbprint, credential.notBefore, credential.notAfter);
  const nowMs = now * 1000;
  if (nowMs < credential.notBefore || nowMs > credential.notAfter) throw aad.certificateOutsideValidity(credential.thumbprint, credential.notBefore, credential.notAfter);

  const exp = payload['exp'];
  const nbf = payload['nbf'] ?? 0;
  if (typeof exp !== 'number' || typeof nbf !== 'number') throw aad.assertionMalformed("'exp' (and 'nbf', when present) must be NumericDate values.");
  if (nbf > now + ASSERTION_CLOCK_SKEW_SECONDS || exp < now - ASSERTION_CLOCK_SKEW_SECONDS) throw aad.assertionTimeRange(now, nbf, exp);

  const aud = payload['aud'];
  const wanted = new Set(check.audiences.map(normaliseAudience));
  const given = Array.isArray(aud) ? aud : [aud];
  if (!given.some((a) => typeof a === 'string' && wanted.has(normaliseAudience(a)))) throw aad.assertionAudience();
  return credential;
}

/** The token endpoints (v2 and v1) a tenant answers at, under each name it is known by. */
export function tokenEndpointAudiences(baseUrl: string, tenantNames: Iterable<string>): string[] {
  const out: string[] = [];
  for (const name of tenantNames) out.push(`${baseUrl}/${name}/oauth2/v2.0/token`, `${baseUrl}/${name}/oauth2/token`);
  return out;
}

function normaliseAudience(a: string): string {
  return a.trim().replace(/\/+$/, '').toLowerCase();
}

/** Entra prints the thumbprint from the header in hex, upper case. */
function hexOf(b64url: string): string {
  return Buffer.from(b64url, 'base64url').toString('hex').toUpperCase();
}
