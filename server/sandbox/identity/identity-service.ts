import crypto from 'node:crypto';
import type { Directory, User } from '../directory';
import { GrantStore, type Consent } from './grants';
import type { SigningKey } from './jwt';
import { TokenIssuer } from './token-issuer';
import { TokenRequestCounter } from './token-requests';

/**
 * Everything the identity endpoints share: directory, grants, token minting, browser sessions, and the
 * revocation that other parts (Graph's token check, subscriptions) react to.
 */
export class IdentityService {
  readonly issuer: TokenIssuer;
  /** Token endpoint requests by grant type (GET /sandbox/stats). */
  readonly tokenRequests = new TokenRequestCounter();
  /** Browser sign-in sessions (cookie -> user), so prompt=none can answer silently like Entra's SSO. */
  private readonly sessions = new Map<string, { userOid: string; createdAt: number }>();
  /** Consent already given per user and client, so prompt=none knows whether it may skip the page. */
  private readonly consents = new Map<string, Consent>();
  private readonly revokeListeners: ((user: User) => void)[] = [];
  /** Per user (object id): access tokens issued up to this instant (ms) answer "expired" on Graph. */
  private readonly expiredUpTo = new Map<string, number>();

  constructor(
    readonly directory: Directory,
    readonly grants: GrantStore,
    readonly signingKey: SigningKey,
    readonly baseUrl: string,
  ) {
    this.issuer = new TokenIssuer(signingKey, baseUrl, directory);
  }

  openSession(user: User): string {
    const sid = crypto.randomBytes(24).toString('base64url');
    this.sessions.set(sid, { userOid: user.oid, createdAt: Date.now() });
    return sid;
  }

  sessionUser(sid: string | undefined): User | undefined {
    if (!sid) return undefined;
    const s = this.sessions.get(sid);
    return s ? this.directory.findUser(s.userOid) : undefined;
  }

  recordConsent(user: User, clientId: string, consent: Consent): void {
    const key = `${user.oid}|${clientId}`;
    const merged: Consent = { ...(this.consents.get(key) ?? {}) };
    for (const [resource, scopes] of Object.entries(consent)) merged[resource] = [...new Set([...(merged[resource] ?? []), ...scopes])];
    this.consents.set(key, merged);
  }

  hasConsent(user: User, clientId: string, wanted: Consent): boolean {
    const have = this.consents.get(`${user.oid}|${clientId}`) ?? {};
    return Object.entries(wanted).every(([resource, scopes]) => scopes.every((s) => have[resource]?.includes(s)));
  }

  /**
   * Every access token issued to the user so far expires now (POST /sandbox/tokens/expire): Graph answers 401
   * InvalidAuthenticationToken "the token is expired", as when a client's clock or cache lets one outlive its
   * `exp`. Refresh tokens stay valid, so a client must refresh, now.
   */
  expireAccessTokens(user: User): number {
    const now = Date.now();
    this.expiredUpTo.set(user.oid, now);
    return now;
  }

  /** Whether an access token of the user issued at `issuedMs` was expired by expireAccessTokens. */
  accessTokenExpired(userOid: string, issuedMs: number): boolean {
    const upTo = this.expiredUpTo.get(userOid);
    return upTo !== undefined && issuedMs <= upTo;
  }

  onRevoke(listener: (user: User) => void): void {
    this.revokeListeners.push(listener);
  }

  /**
   * Revokes the user's grants like revokeSignInSessions: refresh tokens die (invalid_grant AADSTS50173), browser
   * sessions end, and access tokens issued before now are refused by Graph (as continuous access evaluation
   * does), so a revoked link shows up on the very next Graph call.
   */
  revoke(user: User): number {
    user.tokensValidAfter = Date.now();
    for (const [sid, s] of this.sessions) if (s.userOid === user.oid) this.sessions.delete(sid);
    for (const key of this.consents.keys()) if (key.startsWith(`${user.oid}|`)) this.consents.delete(key);
    const n = this.grants.revokeUser(user.oid);
    for (const l of this.revokeListeners) l(user);
    return n;
  }
}
