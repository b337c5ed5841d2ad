import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts mailbox token caches at rest with AES-256-GCM. Each ciphertext names the key that made it
 * (`v1.<keyId>.<iv>.<ciphertext>.<tag>`, base64url), so a new key can take over while older ciphertexts
 * still open with the previous one until they are rewritten.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class VaultError extends Error {
  constructor(readonly code: 'unknown_key' | 'corrupt_ciphertext' | 'invalid_key', message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

export interface VaultKey {
  id: string;
  key: Buffer;
}

/** A key from its base64 or hex text form; its id is derived from it so it never needs to be configured. */
export function parseVaultKey(text: string): VaultKey {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) throw new VaultError('invalid_key', `A secret key must be ${KEY_BYTES} bytes (base64 or hex)`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

export function generateVaultKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export class TokenVault {
  private readonly byId: ReadonlyMap<string, Buffer>;

  /** `current` encrypts; `previous` keys only decrypt (key rotation). */
  constructor(private readonly current: VaultKey, previous: readonly VaultKey[] = []) {
    this.byId = new Map([...previous, current].map((k) => [k.id, k.key]));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    // The key id is authenticated too, so a ciphertext cannot be relabelled to another key.
    cipher.setAAD(Buffer.from(`${VERSION}.${this.current.id}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, body, tag, ...rest] = sealed.split('.');
    if (version !== VERSION || !keyId || iv === undefined || body === undefined || tag === undefined || rest.length > 0) {
      throw new VaultError('corrupt_ciphertext', 'Not a token vault ciphertext');
    }
    const key = this.byId.get(keyId);
    if (!key) throw new VaultError('unknown_key', `The ciphertext was made with key ${keyId}, which is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${version}.${keyId}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('corrupt_ciphertext', 'The ciphertext failed authentication');
    }
  }
}
