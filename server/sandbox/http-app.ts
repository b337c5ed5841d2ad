import crypto from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { controlRouter, type ControlInfo } from './control-api';
import { cors, sameOriginOnly } from './cors';
import { errorBody } from './graph/graph-error';
import type { SandboxServices } from './graph/graph-types';
import { graphHandler } from './graph/http-adapter';
import { MAX_UPLOAD_CHUNK_BYTES, type UploadSessions } from './graph/upload-sessions';
import { identityFaults } from './identity/identity-faults';
import { identityRouter } from './identity/identity-router';
import { countTokenRequests } from './identity/token-requests';

/** Graph's request cap: larger files go through an upload session (graph/upload-sessions.ts). */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** The sandbox's one HTTPS app: control API, Graph under /v1.0, identity at the root (like login.microsoftonline.com). */
export function createHttpApp(services: SandboxServices, info: ControlInfo, uploadSessions: UploadSessions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const ownOrigin = new URL(info.baseUrl).origin;
  // Before CORS: the control API never grants a cross-origin page anything.
  app.use('/sandbox', sameOriginOnly(ownOrigin), controlRouter(services, info));
  app.use(cors(ownOrigin));
  app.use('/v1.0', express.raw({ type: () => true, limit: GRAPH_MAX_REQUEST_BYTES }), graphHandler(() => services));
  // Upload URLs live on Outlook's REST path (outlook.office.com/api/v2.0 in Exchange Online).
  app.use('/api/v2.0', express.raw({ type: () => true, limit: MAX_UPLOAD_CHUNK_BYTES }), uploadSessions.handler());
  app.use(countTokenRequests(services.identity.tokenRequests), identityFaults(services), identityRouter(services.identity));
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
