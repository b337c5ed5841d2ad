import crypto from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { headerValue, rewriteHeaders, type HeaderField } from '../mime-headers';
import { messageFieldsFromMime, type MessageFields } from '../mime-to-message';
import { requireMailAccess } from './auth';
import { GraphError, graphErrors } from './graph-error';
import { jsonBody, mailboxRoute, noContent, type GraphResponse, type Route, type RouteContext } from './graph-types';

/**
 * `POST /users/{id}/sendMail`, JSON or MIME (base64 in a text/plain body), with Exchange's rules: custom
 * headers must be x- headers (at most 5), a From the mailbox may not send as is refused, Exchange strips
 * Auto-Submitted even from MIME it relays (observed, msgraph-sdk-dotnet#2209), and the submission quota is
 * checked before the 202. Drafts (drafts.ts) are built by the same two functions.
 */

export const MAX_CUSTOM_HEADERS = 5;
export const MESSAGE_ID_HOST = 'SANDBOX01.namprd00.prod.outlook.com';
/** Headers Exchange removes from submitted mail. */
const STRIPPED_ON_SUBMIT = ['auto-submitted', 'x-ms-exchange-organization-authas', 'return-path'];

async function sendMail(ctx: RouteContext): Promise<GraphResponse> {
  requireMailAccess(ctx.caller, ctx.mailbox, 'send');
  const type = (ctx.req.headers['content-type'] ?? '').toLowerCase();
  let message: ComposedMessage;
  let saveToSentItems = true;
  if (type.startsWith('text/plain')) {
    message = await messageFromMime(ctx);
  } else if (type.startsWith('application/json') || type === '') {
    const body = jsonBody(ctx.req);
    const inner = body['message'];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw graphErrors.invalidRequest('Empty Payload. JSON content expected.');
    const save = body['saveToSentItems'];
    if (save !== undefined && typeof save !== 'boolean' && save !== 'true' && save !== 'false') throw graphErrors.badRequest("Cannot convert the literal to the expected type 'Edm.Boolean' for 'saveToSentItems'.");
    saveToSentItems = save === undefined || save === true || save === 'true';
    message = await messageFromJson(ctx, inner as Record<string, unknown>);
  } else {
    throw unsupportedType(type);
  }
  requireRecipients(recipientCount(message.fields));
  requireQuota(ctx, recipientCount(message.fields));
  ctx.services.transport.submit({ mailbox: ctx.mailbox, raw: message.raw, fields: message.fields, saveToSentItems });
  return noContent(202);
}

export interface ComposedMessage {
  raw: Buffer;
  fields: MessageFields;
}

export function unsupportedType(type: string): GraphError {
  return new GraphError(415, 'UnsupportedMediaType', `The content type '${type}' is not supported; use application/json or text/plain (base64 MIME).`);
}

export function recipientCount(fields: MessageFields): number {
  return fields.toRecipients.length + fields.ccRecipients.length + fields.bccRecipients.length;
}

/**
 * Exchange's submission quota (10,000 recipients a rolling day), checked before a message is accepted. The
 * code is Exchange's own (EWS ErrorSubmissionQuotaExceeded, raised by the store's submission check); 403 is the
 * status Exchange's REST surface gives its quota errors (ErrorQuotaExceeded).
 */
export function requireQuota(ctx: RouteContext, recipients: number): void {
  const refusal = ctx.services.transport.checkQuota(ctx.mailbox, recipients);
  if (refusal) throw new GraphError(403, 'ErrorSubmissionQuotaExceeded', "The message couldn't be sent because the sender's submission quota was exceeded. Please try again later.");
}

/** A base64 MIME request body (sendMail, or a draft created from MIME) as Exchange files it. */
export async function messageFromMime(ctx: RouteContext): Promise<ComposedMessage> {
  const text = (ctx.req.body ?? Buffer.alloc(0)).toString('latin1').replace(/\s+/g, '');
  if (text.length === 0) throw new GraphError(400, 'ErrorMimeContentInvalid', 'The MIME content is empty.');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  let raw: Buffer = Buffer.from(text, 'base64');
  if (!/^[\x21-\x39\x3b-\x7e]+:/.test(raw.subarray(0, 200).toString('latin1'))) throw new GraphError(400, 'ErrorMimeContentInvalid', 'The MIME content is not a valid message: it does not start with a header field.');

  const fields = await messageFieldsFromMime(raw, MESSAGE_ID_HOST);
  if (fields.from && fields.from.emailAddress.address.toLowerCase() !== ctx.mailbox.address.toLowerCase()) throw sendAsDenied();
  const prepend: HeaderField[] = [];
  if (!fields.from) {
    prepend.push({ name: 'From', value: formatAddress(ctx.mailbox.displayName, ctx.mailbox.address) });
    fields.from = { emailAddress: { name: ctx.mailbox.displayName, address: ctx.mailbox.address } };
    fields.sender = fields.from;
  }
  if (!headerValue(raw, 'message-id')) prepend.push({ name: 'Message-ID', value: fields.internetMessageId });
  if (!headerValue(raw, 'date')) prepend.push({ name: 'Date', value: new Date().toUTCString().replace('GMT', '+0000') });
  raw = rewriteHeaders(raw, { remove: STRIPPED_ON_SUBMIT, prepend });
  return { raw, fields: { ...fields, sentAt: fields.sentAt ?? Date.now() } };
}

/** A message in Graph's JSON (sendMail's `message`, or the body of a draft's create) as Exchange files it. */
export async function messageFromJson(ctx: RouteContext, msg: Record<string, unknown>): Promise<ComposedMessage> {
  const to = recipients(msg['toRecipients']);
  const cc = recipients(msg['ccRecipients']);
  const bcc = recipients(msg['bccRecipients']);
  const replyTo = recipients(msg['replyTo']);

  const from = single(msg['from']);
  if (from && from.address.toLowerCase() !== ctx.mailbox.address.toLowerCase()) throw sendAsDenied();
  const headers = customHeaders(msg['internetMessageHeaders']);
  const bodyObj = (msg['body'] ?? {}) as Record<string, unknown>;
  const contentType = String(bodyObj['contentType'] ?? 'text').toLowerCase();
  const content = typeof bodyObj['content'] === 'string' ? bodyObj['content'] : '';
  const internetMessageId = typeof msg['internetMessageId'] === 'string' && msg['internetMessageId'] ? msg['internetMessageId'] : `<${crypto.randomBytes(16).toString('hex').toUpperCase()}@${MESSAGE_ID_HOST}>`;

  const options: Mail.Options = {
    from: { name: ctx.mailbox.displayName, address: ctx.mailbox.address },
    to,
    cc,
    bcc,
    replyTo,
    subject: typeof msg['subject'] === 'string' ? msg['subject'] : '',
    messageId: internetMessageId,
    date: new Date(),
    attachments: attachments(msg['attachments']),
  };
  if (contentType === 'html') options.html = content;
  else options.text = content;
  if (msg['importance'] === 'high' || msg['importance'] === 'low') options.priority = msg['importance'];
  // keepBcc: Exchange keeps Bcc in the sender's copy; recipients' copies drop it (see Transport).
  const composer = new MailComposer(options).compile();
  composer.keepBcc = true;
  // Custom headers go in verbatim afterwards: nodemailer would re-case their names (X-Foo-Id -> X-Foo-ID).
  const raw = rewriteHeaders(await composer.build(), { prepend: headers.map((h) => ({ name: h.name, value: encodeHeaderValue(h.value) })) });
  return { raw, fields: await messageFieldsFromMime(raw, MESSAGE_ID_HOST) };
}

function sendAsDenied(): GraphError {
  return new GraphError(
    403,
    'ErrorSendAsDenied',
    'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
  );
}

export function requireRecipients(n: number): void {
  if (n === 0) throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

function single(v: unknown): { name?: string; address: string } | undefined {
  if (v === undefined || v === null) return undefined;
  const ea = typeof v === 'object' ? (v as Record<string, unknown>)['emailAddress'] : undefined;
  const address = typeof ea === 'object' && ea !== null ? (ea as Record<string, unknown>)['address'] : undefined;
  const name = typeof ea === 'object' && ea !== null ? (ea as Record<string, unknown>)['name'] : undefined;
  if (typeof address !== 'string' || !ADDRESS.test(address)) {
    throw new GraphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., Recipient '${String(address ?? '')}' is not resolved. All recipients must be resolved before a message can be submitted.`);
  }
  return { address, ...(typeof name === 'string' && name ? { name } : {}) };
}

function recipients(v: unknown): { name: string; address: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw graphErrors.badRequest('A collection of recipients was expected.');
  return v.map((r) => {
    const s = single(r);
    if (!s) throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.');
    return { name: s.name ?? '', address: s.address };
  });
}

function customHeaders(v: unknown): HeaderField[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw graphErrors.badRequest('internetMessageHeaders must be a collection.');
  const out: HeaderField[] = [];
  for (const h of v) {
    const name = typeof h === 'object' && h !== null ? (h as Record<string, unknown>)['name'] : undefined;
    const value = typeof h === 'object' && h !== null ? (h as Record<string, unknown>)['value'] : undefined;
    if (typeof name !== 'string' || typeof value !== 'string') throw graphErrors.badRequest('Each internet message header needs a name and a value.');
    if (!/^x-/i.test(name)) throw new GraphError(400, 'InvalidInternetMessageHeader', `The internet message header name '${name}' should start with 'x-' or 'X-'.`);
    // CR/LF in a header would let a caller inject headers: refuse, as Exchange does.
    if (/[\r\n]/.test(value) || !/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new GraphError(400, 'InvalidInternetMessageHeader', `The internet message header '${name}' is invalid.`);
    out.push({ name, value });
  }
  if (out.length > MAX_CUSTOM_HEADERS) throw new GraphError(400, 'InvalidInternetMessageHeader', `Maximum number of headers in one message should be less than or equal to ${MAX_CUSTOM_HEADERS}.`);
  return out;
}

function attachments(v: unknown): Mail.Attachment[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw graphErrors.badRequest('attachments must be a collection.');
  return v.map((a: unknown) => {
    const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    if (o['@odata.type'] !== '#microsoft.graph.fileAttachment' && o['@odata.type'] !== '#Microsoft.Graph.FileAttachment') {
      throw graphErrors.badRequest("Only '#microsoft.graph.fileAttachment' attachments are supported inline in sendMail.");
    }
    const bytes = typeof o['contentBytes'] === 'string' ? o['contentBytes'] : '';
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(bytes) || bytes.length % 4 !== 0) throw new GraphError(400, 'ErrorInvalidRequest', 'The attachment contentBytes is not a valid base64 string.');
    const att: Mail.Attachment = {
      filename: typeof o['name'] === 'string' ? o['name'] : 'attachment',
      content: Buffer.from(bytes, 'base64'),
      contentType: typeof o['contentType'] === 'string' ? o['contentType'] : 'application/octet-stream',
    };
    if (o['isInline'] === true && typeof o['contentId'] === 'string') att.cid = o['contentId'];
    return att;
  });
}

function encodeHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function formatAddress(name: string, address: string): string {
  const safe = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return `${safe} <${address}>`;
}

export const sendMailRoutes: Route[] = [mailboxRoute('POST', 'users/:user/sendMail', sendMail)];

