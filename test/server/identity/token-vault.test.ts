import { createCipheriv, randomBytes } from 'node:crypto';
import { parseVaultKey, TokenVault, VaultError, type VaultBinding } from '../../../server/identity/token-vault';

/**
 * The token vault seals each mailbox's MSAL token cache. A ciphertext must open only in the row and column it
 * was written for, and only with its full GCM tag.
 */

const keyText = randomBytes(32).toString('base64');
const vault = new TokenVault(parseVaultKey(keyText));
const SUPPORT: VaultBinding = { mailboxId: 1, field: 'token_cache' };
const BILLING: VaultBinding = { mailboxId: 2, field: 'token_cache' };

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof VaultError) return error.code;
    throw error;
  }
  return undefined;
}

/** Rebuilds a sealed string with one part replaced (parts: version, key id, iv, body, tag). */
function withPart(sealed: string, index: number, value: string): string {
  const parts = sealed.split('.');
  parts[index] = value;
  return parts.join('.');
}

describe('token vault', () => {
  it('opens what it sealed, in the same mailbox and column', () => {
    expect(vault.decrypt(vault.encrypt('{"RefreshToken":{}}', SUPPORT), SUPPORT)).toBe('{"RefreshToken":{}}');
  });

  // A database writer who copies mailbox 1's cache into mailbox 2's row must not get mailbox 1's refresh
  // token used on mailbox 2's behalf.
  it("refuses a ciphertext moved to another mailbox's row", () => {
    expect(codeOf(() => vault.decrypt(vault.encrypt('secret', SUPPORT), BILLING))).toBe('corrupt_ciphertext');
  });

  it('refuses a ciphertext moved to another column of the same mailbox', () => {
    expect(codeOf(() => vault.decrypt(vault.encrypt('verifier', { mailboxId: 1, field: 'code_verifier' }), SUPPORT))).toBe('corrupt_ciphertext');
  });

  // GCM with a truncated tag is forgeable by brute force; Node accepts 4..16-byte tags unless told otherwise.
  it.each([12, 8, 4])('refuses a tag truncated to %i bytes', (bytes) => {
    const sealed = vault.encrypt('secret', SUPPORT);
    const tag = Buffer.from(sealed.split('.')[4]!, 'base64url');
    expect(codeOf(() => vault.decrypt(withPart(sealed, 4, tag.subarray(0, bytes).toString('base64url')), SUPPORT))).toBe('corrupt_ciphertext');
  });

  it('refuses a flipped ciphertext bit and an unknown key id', () => {
    const sealed = vault.encrypt('secret', SUPPORT);
    const body = Buffer.from(sealed.split('.')[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(codeOf(() => vault.decrypt(withPart(sealed, 3, body.toString('base64url')), SUPPORT))).toBe('corrupt_ciphertext');
    expect(codeOf(() => vault.decrypt(withPart(sealed, 1, 'deadbeef'), SUPPORT))).toBe('unknown_key');
  });

  // Databases written before the mailbox binding hold v1 ciphertexts (AAD: version and key id only); they must
  // keep opening until the next token refresh rewrites them as v2.
  it('still opens a v1 ciphertext, and seals anew as v2', () => {
    const key = parseVaultKey(keyText);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv);
    cipher.setAAD(Buffer.from(`v1.${key.id}`));
    const body = Buffer.concat([cipher.update('legacy cache', 'utf8'), cipher.final()]);
    const legacy = ['v1', key.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    expect(vault.decrypt(legacy, SUPPORT)).toBe('legacy cache');
    expect(vault.encrypt('x', SUPPORT).startsWith('v2.')).toBe(true);
  });

  it('opens ciphertexts of a previous key after rotation', () => {
    const next = new TokenVault(parseVaultKey(randomBytes(32).toString('base64')), [parseVaultKey(keyText)]);
    expect(next.decrypt(vault.encrypt('rotated', BILLING), BILLING)).toBe('rotated');
  });
});
