import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts mailbox token caches and PKCE verifiers at rest with AES-256-GCM. Each ciphertext names the key
 * that made it (`v2.<keyId>.<iv>.<ciphertext>.<tag>`, base64url), so a new key can take over while older
 * ciphertexts still open with the previous one until they are rewritten. The AAD binds a v2 ciphertext to its
 * key, its mailbox and its column: copied into another mailbox's row (whose tokens another admin linked), it
 * fails to open instead of lending that mailbox the first one's refresh token. v1 ciphertexts, written
 * before the binding existed, still open under their old AAD (key only) and are rewritten as v2 on the
 * next token refresh.
 */

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
const IV_BYTES = 12;
/** GCM tags are pinned to the full 16 bytes: Node would otherwise accept a truncated tag, which is forgeable. */
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Where a ciphertext is stored; it opens only there. */
export interface VaultBinding {
  mailboxId: number;
  field: 'token_cache' | 'code_verifier';
}

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

  encrypt(plaintext: string, binding: VaultBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(VERSION, this.current.id, binding));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  decrypt(sealed: string, binding: VaultBinding): string {
    const [version, keyId, iv, body, tag, ...rest] = sealed.split('.');
    if ((version !== VERSION && version !== LEGACY_VERSION) || !keyId || iv === undefined || body === undefined || tag === undefined || rest.length > 0) {
      throw new VaultError('corrupt_ciphertext', 'Not a token vault ciphertext');
    }
    const key = this.byId.get(keyId);
    if (!key) throw new VaultError('unknown_key', `The ciphertext was made with key ${keyId}, which is not configured`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new VaultError('corrupt_ciphertext', 'The ciphertext has a malformed IV or tag');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(version, keyId, binding));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('corrupt_ciphertext', 'The ciphertext failed authentication');
    }
  }
}

/** The key id is authenticated in both versions, so a ciphertext cannot be relabelled to another key. */
function aad(version: string, keyId: string, binding: VaultBinding): Buffer {
  return Buffer.from(version === LEGACY_VERSION ? `${version}.${keyId}` : `${version}.${keyId}.mailbox:${binding.mailboxId}.${binding.field}`);
}
