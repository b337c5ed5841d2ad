import crypto from 'node:crypto';
import { headerValue, rewriteHeaders } from './mime-headers';
import type { AttachmentMeta, MessageFields } from './mime-to-message';

/**
 * Adds a file to a draft's MIME, as Exchange does when an attachment is posted or an upload session completes:
 * into the message's multipart/mixed, or by wrapping the message in one. The new part comes last, so the
 * attachment's position among the parsed attachments (what the sandbox's attachment ids count) is the end.
 */

export interface NewAttachment {
  name: string;
  contentType: string;
  content: Buffer;
  isInline: boolean;
  contentId: string | undefined;
}

export function withAttachment(raw: Buffer, fields: MessageFields, attachment: NewAttachment): { raw: Buffer; fields: MessageFields } {
  const part = attachmentPart(attachment);
  const type = headerValue(raw, 'content-type') ?? 'text/plain';
  const boundary = /^multipart\/mixed\b/i.test(type) ? /boundary\s*=\s*"?([^";]+)"?/i.exec(type)?.[1] : undefined;
  let next: Buffer;
  const closing = boundary ? raw.lastIndexOf(`--${boundary}--`, undefined, 'latin1') : -1;
  if (boundary && closing >= 0) {
    next = Buffer.concat([raw.subarray(0, closing), Buffer.from(`--${boundary}\r\n`, 'latin1'), part, Buffer.from('\r\n', 'latin1'), raw.subarray(closing)]);
  } else {
    // Wrap: the old body with its own content headers becomes the first part of a new multipart/mixed.
    const outer = `----=_sandbox_${crypto.randomBytes(12).toString('hex')}`;
    const encoding = headerValue(raw, 'content-transfer-encoding');
    const head = rewriteHeaders(raw, { remove: ['content-type', 'content-transfer-encoding'] });
    const split = bodyStart(head);
    const first = `Content-Type: ${type}\r\n${encoding ? `Content-Transfer-Encoding: ${encoding}\r\n` : ''}\r\n`;
    next = Buffer.concat([
      head.subarray(0, split.headEnd),
      Buffer.from(`Content-Type: multipart/mixed; boundary="${outer}"\r\n\r\n--${outer}\r\n${first}`, 'latin1'),
      head.subarray(split.bodyStart),
      Buffer.from(`\r\n--${outer}\r\n`, 'latin1'),
      part,
      Buffer.from(`\r\n--${outer}--\r\n`, 'latin1'),
    ]);
  }
  const meta: AttachmentMeta = { index: fields.attachments.length, kind: 'file', name: attachment.name, contentType: attachment.contentType, size: attachment.content.length, isInline: attachment.isInline };
  if (attachment.contentId) meta.contentId = attachment.contentId;
  return { raw: next, fields: { ...fields, attachments: [...fields.attachments, meta] } };
}

/** The size Exchange holds a message to: its attachments at their file size, plus its text. */
export function messageSize(fields: MessageFields): number {
  return fields.attachments.reduce((n, a) => n + a.size, 0) + Buffer.byteLength(fields.bodyText) + Buffer.byteLength(fields.bodyHtml ?? '');
}

function attachmentPart(a: NewAttachment): Buffer {
  const name = quoted(a.name);
  const lines = [
    `Content-Type: ${a.contentType.replace(/[\r\n]/g, '')}; name=${name}`,
    `Content-Disposition: ${a.isInline ? 'inline' : 'attachment'}; filename=${name}`,
    'Content-Transfer-Encoding: base64',
  ];
  if (a.contentId) lines.push(`Content-ID: <${a.contentId.replace(/[<>\r\n]/g, '')}>`);
  const base64 = a.content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${base64}`, 'latin1');
}

/** A header parameter value: quoted ASCII, or an RFC 2047 encoded word for anything else. */
function quoted(value: string): string {
  const clean = value.replace(/[\r\n]/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? `"${clean.replace(/["\\]/g, '\\$&')}"` : `"=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?="`;
}

function bodyStart(raw: Buffer): { headEnd: number; bodyStart: number } {
  const crlf = raw.indexOf('\r\n\r\n', 0, 'latin1');
  const lf = raw.indexOf('\n\n', 0, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { headEnd: crlf + 2, bodyStart: crlf + 4 };
  if (lf >= 0) return { headEnd: lf + 1, bodyStart: lf + 2 };
  return { headEnd: raw.length, bodyStart: raw.length };
}
