import crypto from 'node:crypto';

/**
 * RS256 JSON Web Tokens with node:crypto: the sandbox signs every token with one RSA key and publishes it as a
 * JWKS. node:crypto keeps this synchronous and fast (one verify per Graph request).
 */

export type JwtPayload = Record<string, unknown>;

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

export function loadSigningKey(privatePem: string): SigningKey {
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKey = crypto.createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // Entra's kids are thumbprint-like opaque strings; a hash of the key keeps ours stable across restarts.
  const kid = crypto.createHash('sha1').update(der).digest('base64url');
  return { kid, privateKey, publicKey };
}

export function newSigningKeyPem(): string {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function publicJwk(key: SigningKey): Record<string, unknown> {
  const jwk = key.publicKey.export({ format: 'jwk' });
  const x5tSource = key.publicKey.export({ type: 'spki', format: 'der' });
  return {
    kty: 'RSA',
    use: 'sig',
    alg: 'RS256',
    kid: key.kid,
    x5t: crypto.createHash('sha1').update(x5tSource).digest('base64url'),
    n: jwk.n,
    e: jwk.e,
  };
}

export function signJwt(payload: JwtPayload, key: SigningKey): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid };
  const data = `${b64json(header)}.${b64json(payload)}`;
  const sig = crypto.sign('sha256', Buffer.from(data), key.privateKey).toString('base64url');
  return `${data}.${sig}`;
}

/** A compact JWT's three parts, with its header and payload as JSON objects; undefined when it is not one. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; parts: [string, string, string] } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return isRecord(header) && isRecord(payload) ? { header, payload, parts: [h, p, s] } : undefined;
  } catch {
    return undefined;
  }
}

export type VerifyFailure = 'malformed' | 'signature' | 'expired' | 'not-yet-valid';

export function verifyJwt(token: string, key: SigningKey, nowSeconds = Math.floor(Date.now() / 1000)): { ok: true; payload: JwtPayload } | { ok: false; reason: VerifyFailure } {
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header['alg'] !== 'RS256') return { ok: false, reason: 'malformed' };
  const { payload, parts: [h, p, s] } = decoded;
  const valid = crypto.verify('sha256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url'));
  if (!valid) return { ok: false, reason: 'signature' };
  const exp = payload['exp'];
  const nbf = payload['nbf'];
  if (typeof exp !== 'number' || exp <= nowSeconds) return { ok: false, reason: 'expired' };
  // Entra tolerates five minutes of clock skew on nbf.
  if (typeof nbf === 'number' && nbf > nowSeconds + 300) return { ok: false, reason: 'not-yet-valid' };
  return { ok: true, payload };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function b64json(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}
