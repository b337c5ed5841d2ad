import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isRegisteredRedirectUri } from './directory';

/**
 * Which browser pages may read the sandbox's answers. The sandbox itself, and the origins of the app's
 * registered redirect URIs (localhost / 127.0.0.1, any port): that is where Relaydesk and its task pane run,
 * and, as Entra does for a SPA's redirect URIs, only there may a page redeem codes cross-origin. Any other site
 * the user visits gets no CORS headers, so it cannot read tokens, mail or discovery documents.
 */
export function isAllowedBrowserOrigin(origin: string, ownOrigin: string): boolean {
  if (origin === ownOrigin) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.origin === origin && isRegisteredRedirectUri(`${origin}/`);
}

const EXPOSED_HEADERS = 'request-id, client-request-id, Retry-After, Location, Preference-Applied, WWW-Authenticate, x-ms-request-id';

/** CORS for the allowed origins only; a preflight from any other origin gets 204 without permission. */
export function cors(ownOrigin: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    res.vary('Origin');
    const allowed = origin !== undefined && isAllowedBrowserOrigin(origin, ownOrigin);
    if (allowed) {
      // Echoed rather than `*` so credentialed requests work too.
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', 'Access-Control-Expose-Headers': EXPOSED_HEADERS });
    }
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      if (allowed) {
        res.set({
          'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'Access-Control-Allow-Headers': req.get('access-control-request-headers') ?? 'content-type, authorization',
          'Access-Control-Max-Age': '86400',
        });
      }
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * The control API mints any user's tokens and reads every mailbox: no web page but the sandbox's own may call
 * it. A browser names the calling page in Origin on every cross-origin request (and on same-origin POSTs), so
 * a foreign Origin is refused before anything runs, a simple form POST included; tests and tools send none.
 * Other localhost ports count as foreign too: the task pane has no business here.
 */
export function sameOriginOnly(ownOrigin: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    // Requests without Origin (a cross-site <img> or <script> GET) still carry Sec-Fetch-Site in current browsers.
    const site = req.get('sec-fetch-site');
    if ((origin !== undefined && origin !== ownOrigin) || site === 'cross-site' || site === 'same-site') {
      res.status(403).json({ error: { code: 'CrossOriginRequestRefused', message: 'The sandbox control API answers only its own origin and non-browser clients.' } });
      return;
    }
    next();
  };
}
