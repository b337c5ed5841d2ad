import { setTimeout as sleep } from 'node:timers/promises';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { SandboxServices } from '../graph/graph-types';
import { AadError } from './aad-errors';

/**
 * Faults for the identity endpoints, set with PUT /sandbox/faults and a `pathPattern` that names them (e.g.
 * `oauth2/v2.0/token`): faults meant for Graph never reach Entra's endpoints. Answered as Entra answers:
 * - `rate503`: 503 `temporarily_unavailable` AADSTS90033, with Retry-After (the shape clients logged during
 *   Entra's September 2020 outage, Azure/azure-sdk-for-python#14241);
 * - `rate429`: 429 with Retry-After, AADSTS90055 (TenantThrottlingError, "too many incoming requests");
 * - `temporarilyUnavailableRate`: 400 `temporarily_unavailable` AADSTS50033 (RetryableError), the status a
 *   token endpoint error has (RFC 6749 5.2), so only the OAuth error says "retry" (msal-js#4019 reports it);
 * - `resetRate`: the request takes effect (a code is spent, a refresh token used) and the connection is cut
 *   before the answer, as for Graph;
 * - `latencyMs`.
 * With `mailbox`, only token requests whose code or refresh token belongs to that mailbox's user are faulted.
 */
export function identityFaults(services: SandboxServices): RequestHandler[] {
  const parseForm = express.urlencoded({ extended: false, limit: '64kb' });
  const inject = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const { faults } = services;
    const path = req.path;
    if (!faults.namesIdentityPath(path)) {
      next();
      return;
    }
    const mailbox = grantMailbox(services, req.body);
    if (!faults.appliesToIdentity(mailbox, path)) {
      next();
      return;
    }
    const latency = faults.latencyFor(mailbox, path);
    if (latency > 0) await sleep(latency);
    const correlationId = req.get('client-request-id') ?? undefined;
    const fault = faults.pickIdentity();
    if (fault) {
      const answer = IDENTITY_FAULTS[fault];
      res.status(answer.status).set({ 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
      if (answer.status !== 400) res.set('Retry-After', faults.retryAfterHeader());
      res.json(answer.error().body(correlationId));
      return;
    }
    if (faults.shouldReset(mailbox, path)) {
      // The endpoint does its work; only the answer never arrives.
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as Response['end'];
    }
    next();
  };
  return [parseForm, (req, res, next) => void inject(req, res, next).catch(next)];
}

const IDENTITY_FAULTS = {
  '503': { status: 503, error: () => new AadError('temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.') },
  '429': { status: 429, error: () => new AadError('temporarily_unavailable', 90055, 'There are too many incoming requests. Please try again later.') },
  temporarily_unavailable: { status: 400, error: () => new AadError('temporarily_unavailable', 50033, 'A transient error has occurred. Please try again.') },
} as const;

/** The address of the mailbox whose user owns the code or refresh token a token request presents. */
function grantMailbox(services: SandboxServices, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  let userOid: string | undefined;
  if (typeof fields['refresh_token'] === 'string') {
    const found = services.identity.grants.findRefresh(fields['refresh_token']);
    if (found.ok) userOid = found.record.userOid;
  } else if (typeof fields['code'] === 'string') {
    userOid = services.identity.grants.codeOwner(fields['code']);
  }
  return userOid === undefined ? undefined : services.store.mailboxByGuid(userOid)?.address;
}
