import { setTimeout as sleep } from 'node:timers/promises';
import type { Mailbox } from '../mail-store';
import { authenticate } from './auth';
import type { GraphFault } from '../faults';
import { errorBody, GraphError, graphErrors } from './graph-error';
import type { RetryAfterNote } from '../throttle';
import type { Caller, DispatchResult, GraphRequest, GraphResponse, Route, SandboxServices } from './graph-types';

/**
 * One path for every Graph request, top-level or inside $batch: authenticate, route, resolve the mailbox,
 * admit through the per app + mailbox throttle, apply injected faults, run the handler, shape errors.
 */
export function createDispatcher(routes: Route[], getServices: () => SandboxServices): (req: GraphRequest, latencyMs?: number) => Promise<DispatchResult> {
  return async (req, latencyMs = 0) => {
    const services = getServices();
    let mailboxAddress: string | undefined;
    let retryAfterNote: RetryAfterNote | undefined;
    try {
      const caller = authenticate(req.headers['authorization'], services);
      const { route, params } = match(routes, req);
      if (!route.mailboxScoped) {
        // A $batch is one round trip: it waits the injected latency once, its sub-requests none.
        const latency = Math.max(latencyMs, services.faults.latencyFor(undefined, `/${req.segments.join('/')}`));
        if (latency > 0) await sleep(latency);
        return { response: await route.handler({ req, caller, params, services }) };
      }
      const mailbox = resolveMailbox(params['user'] ?? '', caller, services);
      mailboxAddress = mailbox.address;
      const admission = services.throttle.begin(caller.appId, mailbox.address, Date.now(), req.inBatch === true);
      if (!admission.ok) {
        const message = admission.reason === 'concurrency' ? 'Application is over its MailboxConcurrency limit.' : 'Application is over its request limit for this mailbox (10000 requests per 10 minutes).';
        retryAfterNote = services.throttle.noteRetryAfter(caller.appId, mailbox.address, admission.retryAfterSeconds);
        throw new GraphError(429, 'ApplicationThrottled', message, { 'Retry-After': String(admission.retryAfterSeconds) });
      }
      try {
        // Exchange's IncomingBytes budget counts every request body, $batch sub-requests each on their own.
        const upload = services.uploads.admit(caller.appId, mailbox.address, req.body?.length ?? 0);
        if (!upload.ok) {
          retryAfterNote = services.throttle.noteRetryAfter(caller.appId, mailbox.address, upload.retryAfterSeconds);
          services.throttle.countInjected429(mailbox.address);
          throw new GraphError(429, 'ApplicationThrottled', 'Application is over its IncomingBytes limit.', { 'Retry-After': String(upload.retryAfterSeconds) });
        }
        const path = `/${req.segments.join('/')}`;
        const latency = Math.max(latencyMs, req.inBatch ? 0 : services.faults.latencyFor(mailbox.address, path));
        if (latency > 0) await sleep(latency);
        const fault = services.faults.pick(mailbox.address, path);
        if (fault === '429' || fault === '503') retryAfterNote = services.throttle.noteRetryAfter(caller.appId, mailbox.address, Number(services.faults.retryAfterHeader()));
        if (fault === '429') services.throttle.countInjected429(mailbox.address);
        if (fault && !services.faults.afterEffect(fault)) throw faultError(fault, services);
        const response = await route.handler({ req, caller, params, services, mailbox });
        // The request took effect; its answer is lost to a server error all the same.
        if (fault) throw faultError(fault, services);
        return { response, mailbox: mailbox.address };
      } finally {
        admission.release();
      }
    } catch (err) {
      if (mailboxAddress && err instanceof GraphError && err.status === 504) services.throttle.countGatewayTimeout(mailboxAddress);
      return { response: toErrorResponse(err, req, services), ...(mailboxAddress ? { mailbox: mailboxAddress } : {}), ...(retryAfterNote ? { retryAfterNote } : {}) };
    }
  };
}

function faultError(fault: GraphFault, services: SandboxServices): GraphError {
  const retryAfter = { 'Retry-After': services.faults.retryAfterHeader() };
  switch (fault) {
    case '429':
      return new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', retryAfter);
    case '503':
      return new GraphError(503, 'ServiceUnavailable', 'Service Unavailable. The server is temporarily unable to handle the request.', retryAfter);
    case '500':
      return new GraphError(500, 'InternalServerError', 'An internal server error occurred.');
    case '502':
      return new GraphError(502, 'BadGateway', 'Bad Gateway.');
    case '504':
      return graphErrors.gatewayTimeout();
  }
}

function toErrorResponse(err: unknown, req: GraphRequest, services: SandboxServices): GraphResponse {
  if (err instanceof GraphError) {
    return { status: err.status, headers: { ...err.headers }, json: errorBody(err.code, err.message, req.requestId, req.clientRequestId) };
  }
  services.logger.error({ err, requestId: req.requestId, path: req.rawPath }, 'sandbox graph handler failed');
  return { status: 500, json: errorBody('InternalServerError', 'An internal server error occurred.', req.requestId, req.clientRequestId) };
}

function match(routes: Route[], req: GraphRequest): { route: Route; params: Record<string, string> } {
  const segs = req.segments;
  if (segs.length === 0) throw graphErrors.badRequest('Invalid request.');
  let pathMatched = false;
  let deepest = 0;
  for (const r of routes) {
    const params: Record<string, string> = {};
    let i = 0;
    for (; i < r.pattern.length && i < segs.length; i++) {
      const p = r.pattern[i] ?? '';
      const s = segs[i] ?? '';
      if (p.startsWith(':')) params[p.slice(1)] = s;
      else if (p.toLowerCase() !== s.toLowerCase()) break;
    }
    deepest = Math.max(deepest, i);
    if (i !== r.pattern.length || i !== segs.length) continue;
    if (r.method !== req.method) {
      pathMatched = true;
      continue;
    }
    return { route: r, params };
  }
  if (pathMatched) throw graphErrors.methodNotAllowed();
  throw graphErrors.segmentNotFound(segs[Math.min(deepest, segs.length - 1)] ?? '');
}

function resolveMailbox(idOrUpn: string, caller: Caller, services: SandboxServices): Mailbox {
  let user;
  if (idOrUpn === '@me') {
    if (!caller.user) throw graphErrors.badRequest('/me request is only valid with delegated authentication flow.');
    user = caller.user;
  } else {
    user = services.directory.findUser(idOrUpn);
  }
  // Another tenant's user is as invisible as one that does not exist.
  if (!user || user.tenantId !== caller.tenantId) throw graphErrors.invalidUser(idOrUpn);
  const mailbox = services.store.mailboxByGuid(user.oid);
  if (!mailbox) throw graphErrors.mailboxNotEnabled();
  return mailbox;
}
