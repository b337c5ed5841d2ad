import type { StoredMessage } from '../mail-store';
import { messageSize, withAttachment } from '../mime-attach';
import { attachmentId } from './attachments';
import { requireMailAccess } from './auth';
import { GraphError, graphErrors } from './graph-error';
import { json, jsonBody, mailboxRoute, noContent, type GraphResponse, type Route, type RouteContext } from './graph-types';
import { lookupMessage } from './message-lookup';
import { DEFAULT_PROPERTIES, renderMessage } from './message-json';
import { readPreferences, preferenceHeaders } from './prefer';
import { messageFromJson, messageFromMime, recipientCount, requireQuota, requireRecipients, unsupportedType } from './send-mail';

/**
 * Drafts, as Graph's "Attach large files to Outlook messages" walks through them: create a draft (JSON or
 * MIME), add small files with POST .../attachments, large ones (3 MB to 150 MB) through an upload session, then
 * POST .../send. Only a draft may change or be sent; once sent it moves on, and its id goes with the move.
 */

/** Graph sends files under this size with POST .../attachments; an upload session refuses them. */
export const UPLOAD_SESSION_MIN_BYTES = 3 * 1024 * 1024;
/** The largest message (attachments at their file size) Graph lets a mailbox send. */
export const MAX_MESSAGE_BYTES = 150 * 1024 * 1024;

async function createDraft(ctx: RouteContext): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const type = (ctx.req.headers['content-type'] ?? '').toLowerCase();
  let message;
  if (type.startsWith('text/plain')) message = await messageFromMime(ctx);
  else if (type.startsWith('application/json') || type === '') message = await messageFromJson(ctx, jsonBody(ctx.req));
  else throw unsupportedType(type);
  const { store } = ctx.services;
  const draft = store.insert(ctx.mailbox, message.raw, message.fields, { folder: store.wellKnown(ctx.mailbox, 'drafts'), isRead: true, isDraft: true });
  const prefs = readPreferences(ctx.req);
  return json(
    201,
    { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages/$entity`, ...renderMessage(draft, store, { select: DEFAULT_PROPERTIES, immutableIds: prefs.immutableIds }) },
    preferenceHeaders(prefs),
  );
}

function requireDraft(m: StoredMessage): void {
  if (!m.isDraft) throw new GraphError(400, 'ErrorInvalidOperation', 'The operation is only valid on a draft message that has not been sent.');
}

function requireRoom(ctx: RouteContext, draft: StoredMessage, adding: number): void {
  if (messageSize(draft.fields) + adding > ctx.services.maxMessageBytes) {
    throw new GraphError(400, 'ErrorMessageSizeExceeded', `The message exceeds the maximum supported size of ${ctx.services.maxMessageBytes} bytes.`);
  }
}

/** POST .../attachments: a file given whole, as contentBytes (Graph's way for files under 3 MB). */
function addAttachment(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const draft = lookupMessage(ctx);
  requireDraft(draft);
  const body = jsonBody(ctx.req);
  if (body['@odata.type'] !== '#microsoft.graph.fileAttachment') throw graphErrors.badRequest("Only '#microsoft.graph.fileAttachment' attachments can be posted.");
  const bytes = typeof body['contentBytes'] === 'string' ? body['contentBytes'] : '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(bytes) || bytes.length % 4 !== 0) throw new GraphError(400, 'ErrorInvalidRequest', 'The attachment contentBytes is not a valid base64 string.');
  const content = Buffer.from(bytes, 'base64');
  const name = typeof body['name'] === 'string' && body['name'] ? body['name'] : 'attachment';
  requireRoom(ctx, draft, content.length);
  const added = attach(ctx, draft, { name, contentType: typeof body['contentType'] === 'string' ? body['contentType'] : 'application/octet-stream', content, isInline: body['isInline'] === true, contentId: typeof body['contentId'] === 'string' ? body['contentId'] : undefined });
  return json(201, {
    '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages('${ctx.params['id']}')/attachments/$entity`,
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: added,
    name,
    contentType: typeof body['contentType'] === 'string' ? body['contentType'] : 'application/octet-stream',
    size: content.length,
    isInline: body['isInline'] === true,
  });
}

/** Adds a file to the draft; returns the attachment's id. Also used when an upload session completes. */
export function attach(ctx: Pick<RouteContext, 'services'>, draft: StoredMessage, file: { name: string; contentType: string; content: Buffer; isInline: boolean; contentId: string | undefined }): string {
  const next = withAttachment(draft.raw, draft.fields, file);
  ctx.services.store.replaceContent(draft, next.raw, next.fields);
  const meta = next.fields.attachments[next.fields.attachments.length - 1];
  return meta ? attachmentId(draft, meta) : '';
}

/** POST .../attachments/createUploadSession {AttachmentItem: {attachmentType, name, size, contentType?, isInline?, contentId?}}. */
function createUploadSession(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'write');
  const draft = lookupMessage(ctx);
  requireDraft(draft);
  const body = jsonBody(ctx.req);
  const item = body['AttachmentItem'] ?? body['attachmentItem'];
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw graphErrors.invalidRequest("Value cannot be null. Parameter name: 'AttachmentItem'.");
  const a = item as Record<string, unknown>;
  if (a['attachmentType'] !== 'file') throw graphErrors.invalidRequest("AttachmentItem's attachmentType must be 'file'.");
  if (typeof a['name'] !== 'string' || a['name'] === '') throw graphErrors.invalidRequest("AttachmentItem's name is required.");
  const size = a['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw graphErrors.invalidRequest("AttachmentItem's size must be the file's size in bytes.");
  if (size < UPLOAD_SESSION_MIN_BYTES) {
    throw new GraphError(400, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', `Attachment size must be at least ${UPLOAD_SESSION_MIN_BYTES} bytes to use an upload session; POST it to the attachments of the message instead.`);
  }
  requireRoom(ctx, draft, size);
  const session = ctx.services.uploadSessions.open({
    caller: ctx.caller,
    draft,
    name: a['name'],
    contentType: typeof a['contentType'] === 'string' && a['contentType'] ? a['contentType'] : 'application/octet-stream',
    size,
    isInline: a['isInline'] === true,
    contentId: typeof a['contentId'] === 'string' ? a['contentId'] : undefined,
  });
  return json(201, { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#microsoft.graph.uploadSession`, uploadUrl: session.uploadUrl, expirationDateTime: session.expirationDateTime, nextExpectedRanges: ['0-'] });
}

/** POST .../send: the draft is submitted and goes the way of every sent message (see Transport). */
function send(ctx: RouteContext): GraphResponse {
  requireMailAccess(ctx.caller, ctx.mailbox, 'send');
  const draft = lookupMessage(ctx);
  requireDraft(draft);
  requireRecipients(recipientCount(draft.fields));
  requireRoom(ctx, draft, 0);
  requireQuota(ctx, recipientCount(draft.fields));
  ctx.services.transport.submitDraft(draft);
  return noContent(202);
}

export const draftRoutes: Route[] = [
  mailboxRoute('POST', 'users/:user/messages', createDraft),
  mailboxRoute('POST', 'users/:user/messages/:id/send', send),
  mailboxRoute('POST', 'users/:user/messages/:id/attachments', addAttachment),
  mailboxRoute('POST', 'users/:user/messages/:id/attachments/createUploadSession', createUploadSession),
];
