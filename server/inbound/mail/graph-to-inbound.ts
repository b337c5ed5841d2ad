import type { GraphAttachmentJson, GraphMailMessage, GraphRecipient } from '../../graph/mail-message';
import { capText, cleanText, type InboundAttachment, type InboundMail, type MailAddress } from '../inbound-mail';
import { messageIdsIn, normalizeMessageId } from '../../tickets/message-id';
import { headersFromEntries } from './header-decoding';
import { htmlBody } from './mail-html';
import { ATTACHMENT_OVER_SIZE_CAP, lastReferences, normalizeAddress, parseDateHeader, synthesizeMessageId } from './mail-fields';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from './mime-to-inbound';

/**
 * InboundMail from the JSON a mail provider lists (Microsoft Graph's message resource, the fields the sync
 * selects), for mail that needs no MIME download: no attachments, not a delivery report. The same
 * normalisation as mime-to-inbound.ts (mail-fields.ts, header-decoding.ts, and mail-html.ts for HTML), so a
 * message reads the same either way.
 * Mail whose attachments are plain files can come this way too, with the attachments Graph expanded.
 */

export type MimeRequiredReason = 'has_attachments' | 'delivery_report';

/** Why this message must be parsed from its MIME instead, or null when the JSON is complete. */
export function mimeRequiredReason(message: GraphMailMessage): MimeRequiredReason | null {
  const contentType = message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
  // A delivery report's status part is an attachment to Graph; only the MIME has the failed recipients.
  // Checked first: expanded attachments can stand in for the MIME of ordinary mail, never of a report.
  if (/^\s*multipart\/report\b/i.test(contentType)) return 'delivery_report';
  return message.hasAttachments ? 'has_attachments' : null;
}

export class MimeRequiredError extends Error {
  readonly code = 'mime_required';
  constructor(readonly reason: MimeRequiredReason) {
    super(`This message needs its MIME to be parsed (${reason})`);
    this.name = 'MimeRequiredError';
  }
}

/**
 * `attachments`: the message's attachments from `$expand=attachments`, which spares a MIME download for
 * mail whose attachments are all plain files. Anything else still needs the MIME.
 */
export function graphToInbound(message: GraphMailMessage, attachments?: readonly GraphAttachmentJson[], maxAttachmentBytes = DEFAULT_MAX_ATTACHMENT_BYTES): InboundMail {
  const reason = mimeRequiredReason(message);
  // Building it anyway would silently lose the attachments or the bounce's recipients.
  const filesOnly = attachments?.every((a) => typeof a.contentBytes === 'string' && a.name);
  if (reason && !(reason === 'has_attachments' && attachments && filesOnly)) throw new MimeRequiredError(reason);

  const headers = headersFromEntries((message.internetMessageHeaders ?? []).map((h) => [h.name, h.value] as const));
  const body = message.body ?? { contentType: 'text', content: '' };
  const isHtml = body.contentType.toLowerCase() === 'html';
  const html = isHtml ? htmlBody(body.content) : null;
  const subject = cleanText(message.subject ?? '').trim();
  const from = address(message.from);
  const date = parseDateHeader(headers.get('date')) ?? parseDateHeader(message.receivedDateTime ?? undefined);
  const contentTypeHeader = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();

  return {
    // Exchange gives every message an id, but a draft-like item may have none: hash what identifies it.
    internetMessageId:
      normalizeMessageId(message.internetMessageId ?? '') ??
      synthesizeMessageId([from?.address ?? '', subject, message.receivedDateTime ?? '', body.content.slice(0, 64 * 1024)]),
    subject,
    from,
    sender: address(message.sender),
    replyTo: addresses(message.replyTo),
    to: addresses(message.toRecipients),
    cc: addresses(message.ccRecipients),
    date,
    headers,
    inReplyTo: messageIdsIn(headers.getAll('in-reply-to').join(' ')),
    references: lastReferences(messageIdsIn(headers.getAll('references').join(' '))),
    text: html ? html.text : capText(cleanText(body.content)).trim(),
    html: html?.html ?? null,
    attachments: (attachments ?? []).map((a) => fileAttachment(a, maxAttachmentBytes)),
    deliveryReport: null,
    contentType: contentTypeHeader || (isHtml ? 'text/html' : 'text/plain'),
  };
}

function fileAttachment(a: GraphAttachmentJson, maxBytes: number): InboundAttachment {
  const content = Buffer.from(a.contentBytes ?? '', 'base64');
  const over = content.length > maxBytes;
  return {
    filename: cleanText(a.name ?? 'attachment').trim() || 'attachment',
    contentType: (a.contentType ?? 'application/octet-stream').toLowerCase(),
    size: content.length,
    contentId: a.contentId ? a.contentId.replace(/^<|>$/g, '') : null,
    inline: a.isInline === true,
    content: over ? null : content,
    omittedReason: over ? ATTACHMENT_OVER_SIZE_CAP : null,
  };
}

function address(recipient: GraphRecipient | null | undefined): MailAddress | null {
  return normalizeAddress(recipient?.emailAddress?.address, recipient?.emailAddress?.name);
}

function addresses(recipients: readonly GraphRecipient[] | null | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const recipient of recipients ?? []) {
    const normalized = address(recipient);
    if (normalized) out.push(normalized);
  }
  return out;
}
