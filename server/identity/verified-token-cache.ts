import { createHash } from 'node:crypto';
import type { Principal } from './principal';

export interface VerifiedTokenCacheOptions {
  /** Tokens remembered at once; past it the oldest go first. A pane holds one token for about an hour. */
  maxEntries?: number;
  /**
   * The longest a verified token is trusted without a new check, however long it still lives: jose refreshes
   * the key set as often, so a signing key Entra withdraws stops working here within about that time too.
   */
  maxAgeMs?: number;
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_AGE_MS = 10 * 60_000;

interface Entry {
  principal: Readonly<Principal>;
  /** The earlier of the token's own expiry (without the clock tolerance) and maxAgeMs after its check. */
  until: number;
}

/**
 * The callers of tokens that have been verified, so that each further request with the same token costs a
 * SHA-256 instead of an RS256 signature check and the claim checks. Keyed by the token's hash: the cache
 * holds no bearer token that a heap dump could replay. Only successes are kept; a refused token is checked
 * again each time.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(token: string): Readonly<Principal> | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() < entry.until) return entry.principal;
    this.entries.delete(key);
    return undefined;
  }

  /** Remembers a verified token's caller until `expiresAtSeconds` (the token's `exp`) or maxAgeMs, whichever is first. */
  set(token: string, principal: Principal, expiresAtSeconds: number): Readonly<Principal> {
    const frozen = Object.freeze({ ...principal });
    const now = this.now();
    const until = Math.min(expiresAtSeconds * 1000, now + this.maxAgeMs);
    if (until <= now) return frozen;
    const key = keyOf(token);
    this.entries.delete(key);
    // The oldest first (a Map keeps insertion order): O(1), and entries are at most maxAgeMs old anyway.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { principal: frozen, until });
    return frozen;
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
