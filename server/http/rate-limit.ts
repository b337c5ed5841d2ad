import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { HttpError } from './errors';

/** Requests per minute on /api; API_RATE_LIMIT_PER_MINUTE and API_RATE_LIMIT_PER_IP_PER_MINUTE in config.ts. */
export interface ApiRateLimits {
  /** Per verified caller (tenant + object id): one person, whatever the number of panes and devices. */
  readonly perUserPerMinute: number;
  /** Per client address, before authentication: strangers cannot make the server verify tokens without end. */
  readonly perIpPerMinute: number;
}

/**
 * Generous: a pane makes about one request per email selected. The per-address limit is higher because an
 * office behind one NAT address shares it.
 */
export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = { perUserPerMinute: 600, perIpPerMinute: 3000 };

const WINDOW_MS = 60_000;
/** IPv6 clients get a /56 each (what ISPs hand out): one customer cannot rotate through its own addresses. */
const IPV6_SUBNET = 56;

function limiter(limit: number, scope: 'ip' | 'user', key: (req: Request) => string): RequestHandler {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the ${scope} rate limit must be a positive whole number, got ${String(limit)}`);
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    // RateLimit / RateLimit-Policy headers, and Retry-After on a 429.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: key,
    handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', 'Too many requests; retry after the time in Retry-After', { scope })),
  });
}

/**
 * Two fixed-window limiters, counted in this process's memory (each instance of a scaled-out deployment counts
 * its own). `perIp` goes before authentication, `perUser` after it.
 */
export function apiRateLimits(limits: ApiRateLimits): { perIp: RequestHandler; perUser: RequestHandler } {
  return {
    perIp: limiter(limits.perIpPerMinute, 'ip', (req) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown', IPV6_SUBNET)),
    perUser: limiter(limits.perUserPerMinute, 'user', (req) => (req.principal ? `${req.principal.tid}:${req.principal.oid}` : 'anonymous')),
  };
}
