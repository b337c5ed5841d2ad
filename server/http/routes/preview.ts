import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { InboxListItem, MessageBody } from '../../graph/inbox-listing';
import { HttpError } from '../errors';
import { noStore } from '../security-headers';
import { addinRoutes } from './addin';

/**
 * The preview at `/`, served only in sandbox mode (no Microsoft app configured): an Outlook-like page with the
 * demo mailbox's messages and the real task pane beside them, in a frame hosted by the preview's own Office host
 * (addin/office/preview/, documented in docs/addin.md).
 *
 * - `/`: the page (addin/preview/, built by webpack into preview.html);
 * - `/preview/addin/*`: the add-in's pages as under /addin/, except that office.js is the preview's Office host
 *   (`/preview/office.js`); the task pane in the frame, and the pages it opens as Office dialogs, load these;
 * - `/preview/api/*`: the demo mailbox's Inbox and demo mail from customers (see server/sandbox-preview.ts).
 *
 * No authentication, like the sandbox itself: the data is the demo tenant's. The one request that changes
 * something (delivering demo mail) must be JSON, which a page on another site cannot send without a CORS
 * preflight that this server never answers.
 */

export const PREVIEW_MAIL_KINDS = ['question', 'reply', 'auto-reply', 'bounce'] as const;
export type PreviewMailKind = (typeof PREVIEW_MAIL_KINDS)[number];

export interface PreviewPerson {
  upn: string;
  name: string;
  role: 'admin' | 'agent';
}

/** The demo mailbox as the preview reads it. */
export interface PreviewMailbox {
  readonly address: string;
  /** Who may sign in: the demo admin and agents. */
  readonly people: readonly PreviewPerson[];
  list(): Promise<InboxListItem[]>;
  body(id: string): Promise<MessageBody>;
  send(kind: PreviewMailKind): Promise<{ subject: string; internetMessageId: string }>;
}

export interface PreviewRouteOptions {
  mailbox: PreviewMailbox;
  /** The built add-in (dist/addin): preview.html and preview-office.js are in it. */
  distDir: string;
  publicOrigin: string;
}

/** Graph ids are URL-safe base64 (with '=' padding and the odd '-'/'_'). */
const GraphId = z.string().regex(/^[A-Za-z0-9_=-]{1,512}$/);
const SendBody = z.object({ kind: z.enum(PREVIEW_MAIL_KINDS) });
/** A body is shown, not archived: past this it is cut. */
const MAX_BODY_CHARS = 200_000;
const PAGE_POLICY = "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

export function previewRoutes(options: PreviewRouteOptions): Router {
  const distDir = path.resolve(options.distDir);
  const { mailbox } = options;
  const router = Router();

  const sendBuilt = (res: Response, file: string, type: string, policy?: string): void => {
    let content: string;
    try {
      content = fs.readFileSync(path.join(distDir, file), 'utf8');
    } catch {
      res.status(503).set('Cache-Control', 'no-store').json({ error: { code: 'addin_not_built', message: `The preview is not built (no ${path.join(distDir, file)}): run \`npm run build:addin\`` } });
      return;
    }
    res.type(type).set('Cache-Control', 'no-cache');
    if (policy) res.set('Content-Security-Policy', policy);
    res.send(content);
  };

  router.get('/', (_req, res) => sendBuilt(res, 'preview.html', 'html', PAGE_POLICY));
  router.get('/preview/office.js', (_req, res) => sendBuilt(res, 'preview-office.js', 'text/javascript'));
  router.use('/preview', addinRoutes({ distDir, publicOrigin: options.publicOrigin, officeJsUrl: `${options.publicOrigin}/preview/office.js` }));

  const api = Router();
  api.use(noStore);
  api.get('/setup', (_req, res) => {
    res.json({ mailbox: mailbox.address, people: mailbox.people });
  });
  api.get('/messages', fromSandbox(async (_req, res) => {
    res.json({ mailbox: mailbox.address, messages: await mailbox.list() });
  }));
  api.get('/messages/:id/body', fromSandbox(async (req, res) => {
    const body = await mailbox.body(GraphId.parse(req.params['id']));
    res.json(body.content.length > MAX_BODY_CHARS ? { ...body, content: body.content.slice(0, MAX_BODY_CHARS) } : body);
  }));
  api.post('/mail', (req, _res, next) => next(req.is('application/json') ? undefined : new HttpError(415, 'json_required', 'Send {"kind": ...} as application/json')), express.json({ limit: '1kb' }), fromSandbox(async (req, res) => {
    res.status(201).json(await mailbox.send(SendBody.parse(req.body).kind));
  }));
  router.use('/preview/api', api);
  return router;
}

/** A failure to reach the sandbox is a 502 with a code; a bad request stays the 400 it is. */
function fromSandbox(handler: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    try {
      await handler(req, res, next);
    } catch (error) {
      if (error instanceof z.ZodError || error instanceof HttpError) return next(error);
      // Graph's answers about the id stay what they are: malformed (400), or moved or deleted meanwhile (404).
      const status = (error as { status?: unknown }).status;
      if (status === 400) return next(new HttpError(400, 'invalid_message_id', 'Graph does not take this message id'));
      if (status === 404) return next(new HttpError(404, 'message_not_found', 'The message is no longer in the Inbox'));
      req.log.warn({ err: error }, 'preview: the sandbox did not answer');
      next(new HttpError(502, 'sandbox_unavailable', error instanceof Error ? error.message : String(error)));
    }
  };
}
