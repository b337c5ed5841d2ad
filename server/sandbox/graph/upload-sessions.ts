import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { StoredMessage } from '../mail-store';
import { attach } from './drafts';
import { errorBody, graphErrors } from './graph-error';
import type { Caller, SandboxServices, UploadSessionStore } from './graph-types';

/**
 * Upload sessions for large attachments ("Attach large files to Outlook messages or events"): the upload URL
 * is pre-authenticated (an `authtoken` in its query, on Outlook's REST path `/api/v2.0/Users('{oid}@{tid}')
 * /Messages('{id}')/AttachmentSessions('{id}')`), takes the file in order in PUTs of at most 4 MB with
 * `Content-Range: bytes {start}-{end}/{total}`, answers 200 with `nextExpectedRanges: ["{next}"]` until the
 * last byte, then 201 with the attachment's URL in `Location` and an empty body. DELETE cancels the session.
 * A request that carries an Authorization header is refused: the docs say to send none, and a client that
 * does hands its Graph token to another host.
 */

/** The most one PUT may carry (the createUploadSession docs: "up to 4 MB each time"). */
export const MAX_UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
const SESSION_LIFETIME_MS = 2 * 60 * 60 * 1000;
const SESSION_PATH = /^\/Users\('([^']+)'\)\/Messages\('([^']+)'\)\/AttachmentSessions\('([^']+)'\)$/;

interface Session {
  id: string;
  token: string;
  appId: string;
  /** Opened with an app-only token: the app's scope still governs the URL (it stands for the app's access). */
  appOnly: boolean;
  draft: StoredMessage;
  /** The draft's move generation when the session opened: a draft sent (moved) since is gone for the session. */
  gen: number;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | undefined;
  chunks: Buffer[];
  received: number;
  expiresAt: number;
}

export class UploadSessions implements UploadSessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly services: () => SandboxServices) {}

  open(input: { caller: Caller; draft: StoredMessage; name: string; contentType: string; size: number; isInline: boolean; contentId: string | undefined }): { uploadUrl: string; expirationDateTime: string } {
    const id = crypto.randomBytes(18).toString('base64url');
    const session: Session = {
      id,
      token: crypto.randomBytes(32).toString('base64url'),
      appId: input.caller.appId,
      appOnly: input.caller.user === undefined,
      draft: input.draft,
      gen: input.draft.gen,
      name: input.name,
      contentType: input.contentType,
      size: input.size,
      isInline: input.isInline,
      contentId: input.contentId,
      chunks: [],
      received: 0,
      expiresAt: Date.now() + SESSION_LIFETIME_MS,
    };
    this.sessions.set(id, session);
    const { store, baseUrl } = this.services();
    const user = `${input.draft.mailbox.guid}@${input.draft.mailbox.tenantId}`;
    return {
      uploadUrl: `${baseUrl}/api/v2.0/Users('${user}')/Messages('${store.restId(input.draft)}')/AttachmentSessions('${id}')?authtoken=${session.token}`,
      expirationDateTime: new Date(session.expiresAt).toISOString(),
    };
  }

  /** Express handler for PUT and DELETE on upload URLs (mounted at /api/v2.0 with a raw body parser). */
  handler() {
    return (req: Request, res: Response, next: NextFunction): void => {
      try {
        this.handle(req, res);
      } catch (err) {
        next(err);
      }
    };
  }

  private handle(req: Request, res: Response): void {
    const services = this.services();
    const requestId = crypto.randomUUID();
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      res.status(status).set({ 'request-id': requestId, ...headers }).json(errorBody(code, message, requestId, requestId));
    };
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      fail(400, 'ErrorInvalidRequest', 'The upload URL is malformed.');
      return;
    }
    const match = SESSION_PATH.exec(path);
    const session = match ? this.sessions.get(match[3] ?? '') : undefined;
    if (!session || session.expiresAt < Date.now()) {
      fail(404, 'ErrorItemNotFound', 'The upload session was not found or has expired.');
      return;
    }
    if (req.query['authtoken'] !== session.token) {
      fail(401, 'InvalidAuthenticationToken', 'The upload URL is pre-authenticated; its authtoken is missing or wrong.');
      return;
    }
    if (req.headers.authorization) {
      fail(401, 'InvalidAudience', 'Do not send an Authorization header to an upload URL: it is pre-authenticated.');
      return;
    }
    const { draft } = session;
    if (session.appOnly && !services.appScopes.allows(session.appId, draft.mailbox)) {
      const denied = graphErrors.appAccessPolicy();
      fail(denied.status, denied.code, denied.message);
      return;
    }
    if (draft.mailbox.messages.get(draft.seq) !== draft || draft.gen !== session.gen || !draft.isDraft) {
      this.sessions.delete(session.id);
      fail(404, 'ErrorItemNotFound', 'The draft of this upload session no longer exists.');
      return;
    }
    if (req.method === 'DELETE') {
      this.sessions.delete(session.id);
      res.status(204).set('request-id', requestId).end();
      return;
    }
    if (req.method !== 'PUT') {
      fail(405, 'ErrorInvalidRequest', 'Upload URLs take PUT (a range of the file) or DELETE (cancel).');
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? '').trim());
    const start = Number(range?.[1]);
    const end = Number(range?.[2]);
    const total = Number(range?.[3]);
    if (!range || total !== session.size || start !== session.received || end - start + 1 !== body.length || end >= total) {
      fail(400, 'ErrorInvalidRequest', `Content-Range must be bytes {start}-{end}/${session.size} for the body sent, starting at the next expected byte ${session.received}.`);
      return;
    }
    const mailbox = draft.mailbox;
    const admission = services.throttle.begin(session.appId, mailbox.address);
    if (!admission.ok) {
      services.throttle.noteRetryAfter(session.appId, mailbox.address, admission.retryAfterSeconds);
      fail(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(admission.retryAfterSeconds) });
      return;
    }
    try {
      const upload = services.uploads.admit(session.appId, mailbox.address, body.length);
      if (!upload.ok) {
        services.throttle.noteRetryAfter(session.appId, mailbox.address, upload.retryAfterSeconds);
        services.throttle.countInjected429(mailbox.address);
        fail(429, 'ApplicationThrottled', 'Application is over its IncomingBytes limit.', { 'Retry-After': String(upload.retryAfterSeconds) });
        return;
      }
      session.chunks.push(Buffer.from(body));
      session.received += body.length;
      const base = `${services.baseUrl}/api/v2.0/Users('${mailbox.guid}@${mailbox.tenantId}')/Messages('${services.store.restId(draft)}')`;
      if (session.received < session.size) {
        res
          .status(200)
          .set('request-id', requestId)
          .json({ '@odata.context': `${base}/AttachmentSessions/$entity`, ExpirationDateTime: new Date(session.expiresAt).toISOString(), nextExpectedRanges: [String(session.received)] });
        return;
      }
      this.sessions.delete(session.id);
      const id = attach({ services }, draft, { name: session.name, contentType: session.contentType, content: Buffer.concat(session.chunks), isInline: session.isInline, contentId: session.contentId });
      res.status(201).set({ 'request-id': requestId, Location: `${base}/Attachments('${id}')`, 'Content-Length': '0' }).end();
    } finally {
      admission.release();
    }
  }
}
