import type { RequestHandler } from 'express';
import { hasRole, type Principal } from '../identity/principal';
import type { TokenVerifier } from '../identity/token-verifier';
import type { StaffDirectory } from '../tickets/staff';
import { HttpError } from './errors';

// Express's own extension point for per-request data.
declare global {
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

/**
 * Verifies the bearer token and puts the caller on `req.principal`; 401 without a valid one. The caller's
 * staff row (keyed by tenant and object id) takes the token's role, so a role removed in Entra is removed
 * here at the next call, not only when the person next writes something.
 */
export function authenticate(verifier: TokenVerifier | undefined, staff?: Pick<StaffDirectory, 'recordRole'>): RequestHandler {
  return async (req, _res, next) => {
    if (!verifier) throw new HttpError(503, 'auth_not_configured', 'API authentication is not configured (set AUTH_AUTHORITY and AUTH_AUDIENCE)');
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new HttpError(401, 'unauthenticated', 'A bearer access token is required');
    req.principal = await verifier.verify(match[1]);
    await staff?.recordRole(req.principal);
    req.log = req.log.child({ caller: req.principal.email });
    next();
  };
}

/** 403 unless the caller has the role (admins have every agent right). */
export function requireRole(role: 'agent' | 'admin'): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal || !hasRole(req.principal, role)) {
      throw new HttpError(403, 'forbidden', `This needs the ${role === 'admin' ? 'Relaydesk.Admin' : 'Relaydesk.Agent'} role`);
    }
    next();
  };
}

export function principalOf(req: Express.Request): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthenticated', 'A bearer access token is required');
  return req.principal;
}
