import crypto from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { controlRouter, type ControlInfo } from './control-api';
import { errorBody } from './graph/graph-error';
import type { SandboxServices } from './graph/graph-types';
import { graphHandler } from './graph/http-adapter';
import { identityRouter } from './identity/identity-router';

/** Graph's request cap: larger requests need an upload session (not emulated). */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** The sandbox's one HTTPS app: control API, Graph under /v1.0, identity at the root (like login.microsoftonline.com). */
export function createHttpApp(services: SandboxServices, info: ControlInfo): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(cors);
  app.use('/sandbox', controlRouter(services, info));
  app.use('/v1.0', express.raw({ type: () => true, limit: GRAPH_MAX_REQUEST_BYTES }), graphHandler(() => services));
  app.use(identityRouter(services.identity));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'NotFound', message: `No sandbox endpoint ${req.method} ${req.path}.` } });
  });
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') {
      const requestId = crypto.randomUUID();
      const body = req.originalUrl.startsWith('/v1.0')
        ? errorBody('RequestEntityTooLarge', `The request exceeds the ${GRAPH_MAX_REQUEST_BYTES / 1024 / 1024} MB limit for a single request; large attachments need an upload session.`, requestId, req.get('client-request-id') ?? requestId)
        : { error: { code: 'RequestEntityTooLarge', message: 'The request body is too large.' } };
      res.status(413).set('request-id', requestId).json(body);
      return;
    }
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'BadRequest', message: 'The request body is not valid JSON.' } });
      return;
    }
    services.logger.error({ err, path: req.path }, 'sandbox request failed');
    res.status(500).json({ error: { code: 'InternalServerError', message: 'The sandbox failed to handle the request.' } });
  });
  return app;
}

/**
 * CORS on everything: the task pane (another origin) calls the token endpoint and, in some flows, Graph.
 * Origins are echoed rather than `*` so credentialed requests work too.
 */
function cors(req: Request, res: Response, next: NextFunction): void {
  const origin = req.get('origin');
  if (origin) {
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Expose-Headers': 'request-id, client-request-id, Retry-After, Location, Preference-Applied, WWW-Authenticate, x-ms-request-id',
      Vary: 'Origin',
    });
  }
  if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
    res.set({
      'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': req.get('access-control-request-headers') ?? 'content-type, authorization',
      'Access-Control-Max-Age': '86400',
    });
    res.status(204).end();
    return;
  }
  next();
}
