import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The clientState secret of a subscription: Graph echoes it in every notification, and it is the only proof
 * that a POST to the public webhook came from Microsoft. Only its SHA-256 is stored, so a database reader
 * cannot forge notifications.
 */

/** 32 random bytes as base64url: 43 characters, well inside Graph's 128. */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientState(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** Compares in constant time, so response timing reveals nothing about the stored hash. */
export function clientStateMatches(given: string | null | undefined, storedHash: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const actual = Buffer.from(hashClientState(given), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  // Hashes are fixed-length; a stored value of another length is corrupt and matches nothing.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
