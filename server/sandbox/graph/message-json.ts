import crypto from 'node:crypto';
import { encodeId, IdKind } from '../ids';
import type { MailStore, StoredMessage } from '../mail-store';
import { readHeaders } from '../mime-headers';
import type { PropertyType } from './odata-filter';

/** Renders stored messages as Graph's `microsoft.graph.message` JSON, honouring $select and Prefer headers. */

export const MESSAGE_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'uniqueBody',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
  'internetMessageHeaders',
  'attachments',
] as const;
export type MessageProperty = (typeof MESSAGE_PROPERTIES)[number];

/** Returned only when asked for with $select (or $expand for attachments), as Graph does. */
const SELECT_ONLY: ReadonlySet<MessageProperty> = new Set(['uniqueBody', 'internetMessageHeaders', 'attachments']);
export const DEFAULT_PROPERTIES: MessageProperty[] = MESSAGE_PROPERTIES.filter((p) => !SELECT_ONLY.has(p));

export const FILTER_TYPES: Record<string, PropertyType> = {
  isRead: 'bool',
  isDraft: 'bool',
  hasAttachments: 'bool',
  receivedDateTime: 'datetime',
  sentDateTime: 'datetime',
  lastModifiedDateTime: 'datetime',
  createdDateTime: 'datetime',
  internetMessageId: 'string',
  subject: 'string',
  conversationId: 'string',
  parentFolderId: 'string',
  importance: 'string',
  'from/emailAddress/address': 'string',
  'from/emailAddress/name': 'string',
  'sender/emailAddress/address': 'string',
};

export const ORDERABLE: Record<string, (m: StoredMessage) => number | string> = {
  receivedDateTime: (m) => m.receivedAt,
  sentDateTime: (m) => m.fields.sentAt ?? m.receivedAt,
  lastModifiedDateTime: (m) => m.lastModifiedAt,
  createdDateTime: (m) => m.createdAt,
  subject: (m) => m.fields.subject.toLowerCase(),
  importance: (m) => m.fields.importance,
};

export function filterValue(m: StoredMessage, property: string): string | boolean | number | undefined {
  switch (property) {
    case 'isRead':
      return m.isRead;
    case 'isDraft':
      return m.isDraft;
    case 'hasAttachments':
      return hasAttachments(m);
    case 'receivedDateTime':
      return truncateToSecond(m.receivedAt);
    case 'sentDateTime':
      return truncateToSecond(m.fields.sentAt ?? m.receivedAt);
    case 'lastModifiedDateTime':
      return truncateToSecond(m.lastModifiedAt);
    case 'createdDateTime':
      return truncateToSecond(m.createdAt);
    case 'internetMessageId':
      return m.fields.internetMessageId;
    case 'subject':
      return m.fields.subject;
    case 'conversationId':
      return conversationId(m);
    case 'parentFolderId':
      return m.folder.id;
    case 'importance':
      return m.fields.importance;
    case 'from/emailAddress/address':
      return m.fields.from?.emailAddress.address;
    case 'from/emailAddress/name':
      return m.fields.from?.emailAddress.name;
    case 'sender/emailAddress/address':
      return m.fields.sender?.emailAddress.address;
    default:
      return undefined;
  }
}

export interface RenderOptions {
  select: readonly MessageProperty[];
  immutableIds: boolean;
  bodyType?: 'text' | 'html';
  /** Attachments rendered by the caller ($expand), placed under `attachments`. */
  attachments?: unknown[];
}

export function renderMessage(m: StoredMessage, store: MailStore, opts: RenderOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': `W/"${changeKey(m)}"` };
  const id = opts.immutableIds ? store.immutableId(m) : store.restId(m);
  // Graph always returns the id, whatever $select says.
  out['id'] = id;
  for (const p of opts.select) {
    if (p === 'id') continue;
    if (p === 'attachments') {
      if (opts.attachments) out['attachments'] = opts.attachments;
      continue;
    }
    out[p] = property(m, p, opts);
  }
  if (opts.attachments && !opts.select.includes('attachments')) out['attachments'] = opts.attachments;
  return out;
}

function property(m: StoredMessage, p: Exclude<MessageProperty, 'id' | 'attachments'>, opts: RenderOptions): unknown {
  const f = m.fields;
  switch (p) {
    case 'createdDateTime':
      return iso(m.createdAt);
    case 'lastModifiedDateTime':
      return iso(m.lastModifiedAt);
    case 'changeKey':
      return changeKey(m);
    case 'categories':
      return [...m.categories];
    case 'receivedDateTime':
      return iso(m.receivedAt);
    case 'sentDateTime':
      return iso(f.sentAt ?? m.receivedAt);
    case 'hasAttachments':
      return hasAttachments(m);
    case 'internetMessageId':
      return f.internetMessageId;
    case 'subject':
      return f.subject;
    case 'bodyPreview':
      return f.bodyText.replace(/\s+/g, ' ').trim().slice(0, 255);
    case 'importance':
      return f.importance;
    case 'parentFolderId':
      return m.folder.id;
    case 'conversationId':
      return conversationId(m);
    case 'conversationIndex':
      return conversationIndex(m);
    case 'isDeliveryReceiptRequested':
      return f.isDeliveryReceiptRequested;
    case 'isReadReceiptRequested':
      return f.isReadReceiptRequested;
    case 'isRead':
      return m.isRead;
    case 'isDraft':
      return m.isDraft;
    case 'webLink':
      return `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(encodeId(IdKind.Message, m.mailbox.guid, m.seq, m.gen))}&exvsurl=1&viewmodel=ReadMessageItem`;
    case 'inferenceClassification':
      return 'focused';
    case 'body':
    case 'uniqueBody':
      return body(m, opts.bodyType);
    case 'sender':
      return f.sender ?? null;
    case 'from':
      return f.from ?? null;
    case 'toRecipients':
      return f.toRecipients;
    case 'ccRecipients':
      return f.ccRecipients;
    case 'bccRecipients':
      return f.bccRecipients;
    case 'replyTo':
      return f.replyTo;
    case 'flag':
      return { flagStatus: m.flagStatus };
    case 'internetMessageHeaders':
      return readHeaders(m.raw).map((h) => ({ name: h.name, value: h.value }));
  }
}

/** Exchange serves HTML when the message has it; `Prefer: outlook.body-content-type` converts either way. */
function body(m: StoredMessage, preferred: 'text' | 'html' | undefined): { contentType: 'text' | 'html'; content: string } {
  const f = m.fields;
  if (preferred === 'text') return { contentType: 'text', content: f.bodyText };
  if (preferred === 'html' || f.bodyHtml) {
    if (f.bodyHtml) return { contentType: 'html', content: f.bodyHtml };
    const escaped = f.bodyText.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? c).replace(/\r?\n/g, '<br>\r\n');
    return { contentType: 'html', content: `<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div class="PlainText">${escaped}</div></body></html>` };
  }
  return { contentType: 'text', content: f.bodyText };
}

export function hasAttachments(m: StoredMessage): boolean {
  // Inline images do not count, as in Exchange.
  return m.fields.attachments.some((a) => !a.isInline);
}

export function conversationId(m: StoredMessage): string {
  const h = crypto.createHash('sha256').update(`${m.mailbox.guid}:${m.fields.threadRoot.toLowerCase()}`).digest();
  return encodeId(IdKind.Conversation, m.mailbox.guid, h.readUInt32BE(0), h.readUInt16BE(4), h.readUInt16BE(6));
}

function conversationIndex(m: StoredMessage): string {
  const h = crypto.createHash('sha256').update(m.fields.threadRoot).digest();
  return Buffer.concat([Buffer.from([0x01]), h.subarray(0, 21)]).toString('base64');
}

function changeKey(m: StoredMessage): string {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(m.seq, 0);
  b.writeUInt32BE(m.version, 4);
  b.writeUInt32BE(m.gen, 8);
  return `CQAAABYAAA${b.toString('base64')}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Graph's DateTimeOffset values are whole seconds; filters compare at that precision. */
function truncateToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
