import crypto from 'node:crypto';
import type { AppRegistration, Directory, User } from '../directory';
import { stableGuid } from '../directory';
import { signJwt, type SigningKey } from './jwt';
import { GRAPH_RESOURCE } from './scopes';

/** Mints v2 access tokens, id tokens and client_info the way Entra ID shapes them. */

/** How the client proved itself: Entra's azpacr (0 public client, 1 secret, 2 certificate). */
export type ClientAuth = '0' | '1' | '2';

export interface AccessTokenRequest {
  clientId: string;
  tenantId: string;
  /** GRAPH_RESOURCE or the app API's audience. */
  resource: string;
  /** Delegated token when present; app-only otherwise. */
  user?: User;
  /** Delegated scopes (scp). */
  scopes?: string[];
  /** App roles (roles). For delegated tokens of the app's API they come from the user. */
  roles?: string[];
  /** 0 public client, 1 client secret, 2 certificate (Entra's azpacr). */
  clientAuth: ClientAuth;
  /** Override the lifetime (tests mint expired tokens with a negative one). */
  lifetimeSeconds?: number;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  claims: Record<string, unknown>;
}

export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    private readonly baseUrl: string,
    private readonly directory: Directory,
  ) {}

  issuer(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}/v2.0`;
  }

  accessToken(req: AccessTokenRequest): IssuedAccessToken {
    const now = Math.floor(Date.now() / 1000);
    // Entra hands out 60-90 minute access tokens at random so that clients do not refresh in lockstep.
    const expiresIn = req.lifetimeSeconds ?? 3600 + crypto.randomInt(0, 1800);
    const app = this.appFor(req.clientId);
    const claims: Record<string, unknown> = {
      aud: req.resource === GRAPH_RESOURCE ? GRAPH_RESOURCE : req.resource,
      iss: this.issuer(req.tenantId),
      iat: now,
      nbf: now,
      exp: now + expiresIn,
      aio: crypto.randomBytes(24).toString('base64url'),
      azp: req.clientId,
      azpacr: req.clientAuth,
      // Graph (v1-style) consumers read appid; v2 consumers read azp.
      appid: req.clientId,
      app_displayname: app?.displayName ?? 'Sandbox app',
      rh: `0.A${crypto.randomBytes(12).toString('base64url')}.`,
      tid: req.tenantId,
      uti: crypto.randomBytes(16).toString('base64url'),
      ver: '2.0',
      // Millisecond issue time: revocation compares against it, since `iat` has only second precision.
      xms_iat_ms: Date.now(),
    };
    if (req.user) {
      const u = req.user;
      Object.assign(claims, {
        oid: u.oid,
        sub: pairwiseSub(u.oid, req.clientId),
        name: u.displayName,
        preferred_username: u.upn,
        upn: u.upn,
        scp: (req.scopes ?? []).join(' '),
        idtyp: 'user',
      });
      const roles = req.roles ?? (req.resource === GRAPH_RESOURCE ? [] : u.roles.filter((r) => app?.appRoles.includes(r) ?? true));
      if (roles.length > 0) claims['roles'] = roles;
    } else {
      const spId = servicePrincipalId(req.clientId, req.tenantId);
      Object.assign(claims, { oid: spId, sub: spId, idtyp: 'app' });
      if (req.roles && req.roles.length > 0) claims['roles'] = req.roles;
    }
    return { token: signJwt(claims, this.key), expiresIn, claims };
  }

  idToken(input: { user: User; clientId: string; nonce?: string }): string {
    const now = Math.floor(Date.now() / 1000);
    const u = input.user;
    const claims: Record<string, unknown> = {
      ver: '2.0',
      iss: this.issuer(u.tenantId),
      sub: pairwiseSub(u.oid, input.clientId),
      aud: input.clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      name: u.displayName,
      preferred_username: u.upn,
      oid: u.oid,
      tid: u.tenantId,
      aio: crypto.randomBytes(24).toString('base64url'),
      uti: crypto.randomBytes(16).toString('base64url'),
    };
    // MSAL compares the nonce it sent with this one (nonce_mismatch otherwise).
    if (input.nonce) claims['nonce'] = input.nonce;
    return signJwt(claims, this.key);
  }

  /** base64url {"uid","utid"}: MSAL builds the account's homeAccountId from it, as with Entra. */
  clientInfo(user: User): string {
    return Buffer.from(JSON.stringify({ uid: user.oid, utid: user.tenantId })).toString('base64url');
  }

  private appFor(clientId: string): AppRegistration | undefined {
    return this.directory.app.clientId === clientId ? this.directory.app : undefined;
  }
}

/** Entra's `sub` is pairwise: the same user has a different subject per app. */
function pairwiseSub(oid: string, clientId: string): string {
  return crypto.createHash('sha256').update(`${oid}:${clientId}`).digest('base64url').slice(0, 43);
}

export function servicePrincipalId(clientId: string, tenantId: string): string {
  return stableGuid(`sp:${tenantId}:${clientId}`);
}
