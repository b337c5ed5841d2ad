import { decodeId, encodeId, IdKind } from '../ids';
import type { StoredMessage } from '../mail-store';
import { attachmentContent, attachmentContents, type AttachmentMeta } from '../mime-to-message';
import { requireMailAccess } from './auth';
import { graphErrors } from './graph-error';
import { json, mailboxRoute, type GraphResponse, type Route, type RouteContext } from './graph-types';
import { iso } from './message-json';
import { lookupMessage } from './message-lookup';

/** A message's attachments: metadata from delivery, content read again from the raw MIME when asked for. */

const ATTACHMENT_PROPERTIES = ['id', 'lastModifiedDateTime', 'name', 'contentType', 'size', 'isInline', 'contentId', 'contentLocation', 'contentBytes'] as const;

export function attachmentId(m: StoredMessage, a: AttachmentMeta): string {
  return encodeId(IdKind.Attachment, m.mailbox.guid, m.seq, a.index);
}

/**
 * Exchange leaves contentBytes out of attachments over about 4 MB when they come with a message
 * (`$expand=attachments`); only the attachment's own GET or `$value` serves them (reported in
 * dust-tt/dust#27962, and the reason a client must be ready to read such mail another way).
 */
export const EXPANDED_CONTENT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Renders attachments; reads content only when contentBytes is wanted (it means parsing the MIME again).
 * `contentMaxBytes`: rendered inside a message ($expand), attachments larger than this come without their
 * content (EXPANDED_CONTENT_MAX_BYTES unless a test switched it off).
 */
export async function renderAttachments(m: StoredMessage, select?: string[], contentMaxBytes?: number): Promise<Record<string, unknown>[]> {
  const wanted = select?.map((s) => s.toLowerCase());
  const wantsBytes = !wanted || wanted.includes('contentbytes');
  const servable = (a: AttachmentMeta) => a.kind === 'file' && !(contentMaxBytes !== undefined && a.size > contentMaxBytes);
  // One parse of the MIME serves every attachment of the message.
  const contents = wantsBytes && m.fields.attachments.some(servable) ? await attachmentContents(m.raw) : [];
  return m.fields.attachments.map((a) => renderAttachment(m, a, wanted, servable(a) ? contents[a.index] : undefined));
}

function renderAttachment(m: StoredMessage, a: AttachmentMeta, wanted: string[] | undefined, bytes: Buffer | undefined): Record<string, unknown> {
  const isFile = a.kind === 'file';
  const full: Record<string, unknown> = {
    id: attachmentId(m, a),
    lastModifiedDateTime: iso(m.receivedAt),
    name: a.name,
    contentType: isFile ? a.contentType : null,
    size: a.size,
    isInline: a.isInline,
  };
  if (isFile) {
    full['contentId'] = a.contentId ?? null;
    full['contentLocation'] = null;
    if (bytes) full['contentBytes'] = bytes.toString('base64');
  }
  const out: Record<string, unknown> = { '@odata.type': isFile ? '#microsoft.graph.fileAttachment' : '#microsoft.graph.itemAttachment' };
  if (isFile) out['@odata.mediaContentType'] = a.contentType;
  for (const [k, v] of Object.entries(full)) {
    if (!wanted || k === 'id' || wanted.includes(k.toLowerCase())) out[k] = v;
  }
  return out;
}

function findAttachment(ctx: RouteContext, m: StoredMessage): AttachmentMeta {
  const raw = ctx.params['attachmentId'] ?? '';
  const d = decodeId(raw);
  if (!d || d.kind !== IdKind.Attachment) throw graphErrors.idMalformed();
  const a = d.mailboxGuid === m.mailbox.guid && d.n === m.seq ? m.fields.attachments[d.extra] : undefined;
  if (!a) throw graphErrors.itemNotFound();
  return a;
}

async function list(ctx: RouteContext): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  const m = lookupMessage(ctx);
  const selectRaw = ctx.req.query.get('$select');
  const select = selectRaw ? selectRaw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  for (const s of select ?? []) {
    if (!ATTACHMENT_PROPERTIES.some((p) => p.toLowerCase() === s.toLowerCase())) throw graphErrors.parseUri(`Could not find a property named '${s}' on type 'Microsoft.OutlookServices.Attachment'.`);
  }
  return json(200, { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages('${ctx.params['id']}')/attachments`, value: await renderAttachments(m, select) });
}

async function get(ctx: RouteContext): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  const m = lookupMessage(ctx);
  const a = findAttachment(ctx, m);
  const bytes = a.kind === 'file' ? await attachmentContent(m.raw, a.index) : undefined;
  return json(200, { '@odata.context': `${ctx.services.graphBaseUrl}/$metadata#users('${ctx.params['user']}')/messages('${ctx.params['id']}')/attachments/$entity`, ...renderAttachment(m, a, undefined, bytes) });
}

async function value(ctx: RouteContext): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'read');
  const m = lookupMessage(ctx);
  const a = findAttachment(ctx, m);
  const bytes = (await attachmentContent(m.raw, a.index)) ?? Buffer.alloc(0);
  return { status: 200, raw: bytes, contentType: a.kind === 'file' ? a.contentType : 'message/rfc822' };
}

export const attachmentRoutes: Route[] = [
  mailboxRoute('GET', 'users/:user/messages/:id/attachments', list),
  mailboxRoute('GET', 'users/:user/messages/:id/attachments/:attachmentId', get),
  mailboxRoute('GET', 'users/:user/messages/:id/attachments/:attachmentId/$value', value),
  mailboxRoute('GET', 'users/:user/mailFolders/:folder/messages/:id/attachments', list),
  mailboxRoute('GET', 'users/:user/mailFolders/:folder/messages/:id/attachments/:attachmentId', get),
  mailboxRoute('GET', 'users/:user/mailFolders/:folder/messages/:id/attachments/:attachmentId/$value', value),
];
