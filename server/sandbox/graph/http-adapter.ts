import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { errorBody } from './graph-error';
import type { DispatchResult, GraphRequest, SandboxServices } from './graph-types';
import { parseGraphPath } from './path';

/** Turns an HTTP request under /v1.0 into a GraphRequest, runs it, and writes Graph's headers and body. */

const JSON_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
const DIAGNOSTIC = JSON.stringify({ ServerInfo: { DataCenter: 'Sandbox', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'SANDBOX01', ADSiteName: 'LOC' } });

export function graphHandler(services: () => SandboxServices) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const s = services();
      const requestId = crypto.randomUUID();
      const clientRequestId = req.get('client-request-id') ?? requestId;
      const url = new URL(req.originalUrl, 'https://sandbox.invalid');
      const path = url.pathname.replace(/^\/v1\.0/i, '');
      const parsed = parseGraphPath(path);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      let result: DispatchResult;
      if (!parsed.ok) {
        result = { response: { status: 400, json: errorBody('BadRequest', parsed.message, requestId, clientRequestId) } };
      } else {
        const greq: GraphRequest = {
          method: req.method.toUpperCase(),
          rawPath: parsed.rawPath,
          segments: parsed.segments,
          query: url.searchParams,
          headers,
          body: Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined,
          requestId,
          clientRequestId,
          inBatch: false,
        };
        result = await s.dispatch(greq);
      }
      if (s.faults.shouldReset(result.mailbox, parsed.ok ? `/${parsed.segments.join('/')}` : path)) {
        // The request took effect; the client just never hears back, Retry-After included.
        if (result.retryAfterNote) s.throttle.withdrawRetryAfter(result.retryAfterNote);
        s.logger.debug({ requestId, mailbox: result.mailbox }, 'sandbox fault: connection reset');
        req.socket.destroy();
        return;
      }
      const r = result.response;
      res.status(r.status);
      res.set({ 'request-id': requestId, 'client-request-id': clientRequestId, 'x-ms-ags-diagnostic': DIAGNOSTIC, 'Cache-Control': 'no-cache', 'Strict-Transport-Security': 'max-age=31536000' });
      if (r.headers) res.set(r.headers);
      s.logger.debug({ requestId, method: req.method, path, status: r.status, mailbox: result.mailbox }, 'sandbox graph request');
      if (r.json !== undefined) {
        res.set('Content-Type', JSON_TYPE).send(JSON.stringify(r.json));
      } else if (r.raw !== undefined) {
        res.set('Content-Type', r.contentType ?? 'application/octet-stream').send(r.raw);
      } else {
        res.end();
      }
    } catch (err) {
      next(err);
    }
  };
}
