import type { RequestHandler } from 'express';

/** One year: what HSTS preload lists and most scanners ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

/** HSTS is per host name, not per port: on localhost it would force HTTPS on every other local dev server. */
const isLoopbackName = (hostname: string): boolean =>
  hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]' || hostname === '::1';

/**
 * Headers every response carries: `nosniff`, so a browser never runs a JSON answer or an upload as a script or
 * page; and, when the request came over HTTPS (directly, or from a TLS proxy on loopback), HSTS, so the browser
 * never again tries plain HTTP (where the bearer token and the OAuth code could be read on the way).
 */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.secure && !isLoopbackName(req.hostname)) res.setHeader('Strict-Transport-Security', `max-age=${HSTS_MAX_AGE_SECONDS}`);
  next();
};

/** API answers hold tickets and customer mail: no browser or proxy cache may keep them. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
