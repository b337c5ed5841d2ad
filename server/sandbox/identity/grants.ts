import crypto from 'node:crypto';

/**
 * Authorization codes and refresh tokens. Refresh tokens rotate as Entra rotates them: each redemption
 * returns a new one, and the previous one stays valid until it expires ("The Microsoft identity platform
 * doesn't revoke old refresh tokens when used to fetch new access tokens", Entra's refresh-tokens page). So a
 * client that lost the answer of a refresh (a reset connection) still holds a working token. Revocation kills
 * all of a user's tokens, old and new. With `singleUseRefreshTokens` (stricter than Entra, for tests that must
 * prove a client stores every rotated token) a redeemed token is refused afterwards. Only hashes of refresh
 * tokens are kept, so the persisted state file holds nothing usable.
 */

/** Consented scopes per resource (audience), e.g. {"https://graph.microsoft.com": ["Mail.ReadWrite"]}. */
export type Consent = Record<string, string[]>;

export interface AuthCodeRecord {
  clientId: string;
  redirectUri: string;
  userOid: string;
  tenantId: string;
  consent: Consent;
  oidc: string[];
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshRecord {
  hash: string;
  familyId: string;
  userOid: string;
  tenantId: string;
  clientId: string;
  consent: Consent;
  oidc: string[];
  issuedAt: number;
  expiresAt: number;
  /** Refresh tokens redeemed from a browser (SPA) live 24 hours in Entra, not 90 days. */
  spa: boolean;
}

export const AUTH_CODE_LIFETIME_MS = 10 * 60 * 1000;
export const REFRESH_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;
export const SPA_REFRESH_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** How many revoked (or, single-use, redeemed) token hashes to remember, to tell them from "never existed". */
const MAX_REMEMBERED_REVOCATIONS = 50_000;

export type RefreshFailure = 'unknown' | 'rotated' | 'revoked' | 'expired';
export type CodeFailure = 'unknown' | 'redeemed' | 'expired';

export class GrantStore {
  private readonly codes = new Map<string, AuthCodeRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  /** Hashes of revoked (or, single-use, redeemed) tokens, by family. */
  private readonly revoked = new Map<string, string>();
  private readonly revokedFamilies = new Set<string>();

  constructor(
    private readonly onChange: () => void = () => undefined,
    restored: RefreshRecord[] = [],
    private readonly options: { singleUseRefreshTokens?: boolean } = {},
  ) {
    for (const r of restored) this.refresh.set(r.hash, r);
  }

  issueCode(record: Omit<AuthCodeRecord, 'expiresAt' | 'redeemed'>): string {
    this.sweepCodes();
    const code = `1.A${crypto.randomBytes(48).toString('base64url')}`;
    this.codes.set(code, { ...record, expiresAt: Date.now() + AUTH_CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  /** Single use: a second redemption fails (AADSTS54005), as in Entra. */
  redeemCode(code: string): { ok: true; record: AuthCodeRecord } | { ok: false; reason: CodeFailure } {
    const record = this.codes.get(code);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.redeemed) return { ok: false, reason: 'redeemed' };
    if (record.expiresAt <= Date.now()) return { ok: false, reason: 'expired' };
    record.redeemed = true;
    return { ok: true, record };
  }

  /**
   * A new refresh token; `successorOf` is the token it was redeemed with. A browser's (SPA) successor keeps its
   * predecessor's expiry: Entra's 24 hours are counted from the sign-in, not extended by refreshing.
   */
  issueRefresh(input: Omit<RefreshRecord, 'hash' | 'issuedAt' | 'expiresAt' | 'familyId'> & { successorOf?: RefreshRecord }): string {
    const { successorOf, ...fields } = input;
    const token = `0.A${crypto.randomBytes(96).toString('base64url')}`;
    const now = Date.now();
    const record: RefreshRecord = {
      ...fields,
      familyId: successorOf?.familyId ?? crypto.randomUUID(),
      hash: hashToken(token),
      issuedAt: now,
      expiresAt: input.spa && successorOf ? successorOf.expiresAt : now + (input.spa ? SPA_REFRESH_LIFETIME_MS : REFRESH_LIFETIME_MS),
    };
    this.refresh.set(record.hash, record);
    this.onChange();
    return token;
  }

  /** Looks a refresh token up; using it does not spend it (Entra does not revoke a refresh token on rotation). */
  findRefresh(token: string): { ok: true; record: RefreshRecord } | { ok: false; reason: RefreshFailure } {
    const hash = hashToken(token);
    const record = this.refresh.get(hash);
    if (!record) {
      const family = this.revoked.get(hash);
      if (family === undefined) return { ok: false, reason: 'unknown' };
      return { ok: false, reason: this.revokedFamilies.has(family) ? 'revoked' : 'rotated' };
    }
    if (record.expiresAt <= Date.now()) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  /** A refresh token was redeemed and its successor issued: it stays valid, unless tokens are single-use. */
  redeemedRefresh(record: RefreshRecord): void {
    if (!this.options.singleUseRefreshTokens || !this.refresh.delete(record.hash)) return;
    this.remember(record.hash, record.familyId);
    this.onChange();
  }

  /** The user (object id) an unredeemed, unexpired authorization code was issued for. */
  codeOwner(code: string): string | undefined {
    const record = this.codes.get(code);
    return record && !record.redeemed && record.expiresAt > Date.now() ? record.userOid : undefined;
  }

  /** Revokes every refresh token of the user; returns how many were live. */
  revokeUser(userOid: string): number {
    let n = 0;
    for (const [hash, r] of this.refresh) {
      if (r.userOid !== userOid) continue;
      this.refresh.delete(hash);
      this.remember(hash, r.familyId);
      this.revokedFamilies.add(r.familyId);
      n++;
    }
    for (const [code, c] of this.codes) if (c.userOid === userOid) this.codes.delete(code);
    if (n > 0) this.onChange();
    return n;
  }

  liveRefreshRecords(): RefreshRecord[] {
    const now = Date.now();
    return [...this.refresh.values()].filter((r) => r.expiresAt > now);
  }

  private remember(hash: string, familyId: string): void {
    this.revoked.set(hash, familyId);
    if (this.revoked.size > MAX_REMEMBERED_REVOCATIONS) {
      const oldest = this.revoked.keys().next();
      if (!oldest.done) this.revoked.delete(oldest.value);
    }
  }

  private sweepCodes(): void {
    const now = Date.now();
    for (const [code, c] of this.codes) if (c.expiresAt + AUTH_CODE_LIFETIME_MS < now) this.codes.delete(code);
  }
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url');
}

/** PKCE (RFC 7636): S256 compares base64url(sha256(verifier)) with the challenge. */
export function pkceMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  const computed = method === 'S256' ? crypto.createHash('sha256').update(verifier).digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
