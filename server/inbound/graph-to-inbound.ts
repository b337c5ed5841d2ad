import type { InboundMail, MailAddress } from './inbound-mail';
import {
  cleanText,
  headersFromEntries,
  htmlToText,
  lastReferences,
  messageIdsIn,
  normalizeAddress,
  normalizeMessageId,
  parseDateHeader,
  sanitizeMailHtml,
  synthesizeMessageId,
} from './parse-mime';

/**
 * InboundMail from the JSON a mail provider lists (Microsoft Graph's message resource, the fields the sync
 * selects), for mail that needs no MIME download: no attachments, not a delivery report. The same normalisation
 * as parse-mime.ts (its helpers, its sanitizer, its HTML-to-text), so a message reads the same either way.
 */

/** Graph's recipient shape; Graph leaves out or nulls whatever it does not know. */
export interface GraphEmailAddress {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

/** The provider-neutral message at the port (Graph's field names, since Graph is the only provider today). */
export interface GraphMailMessage {
  id: string;
  internetMessageId?: string | null;
  subject?: string | null;
  from?: GraphEmailAddress | null;
  sender?: GraphEmailAddress | null;
  replyTo?: GraphEmailAddress[] | null;
  toRecipients?: GraphEmailAddress[] | null;
  ccRecipients?: GraphEmailAddress[] | null;
  receivedDateTime?: string | null;
  hasAttachments?: boolean | null;
  body?: { contentType: 'html' | 'text'; content: string } | null;
  /** Only present when selected, and absent for mail that never left the tenant. */
  internetMessageHeaders?: { name: string; value: string }[] | null;
}

export type MimeRequiredReason = 'has_attachments' | 'delivery_report';

/** Why this message must be parsed from its MIME instead, or null when the JSON is complete. */
export function mimeRequiredReason(message: GraphMailMessage): MimeRequiredReason | null {
  if (message.hasAttachments) return 'has_attachments';
  const contentType = message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
  // A delivery report's status part is an attachment to Graph; only the MIME has the failed recipients.
  return /^\s*multipart\/report\b/i.test(contentType) ? 'delivery_report' : null;
}

export class MimeRequiredError extends Error {
  readonly code = 'mime_required';
  constructor(readonly reason: MimeRequiredReason) {
    super(`This message needs its MIME to be parsed (${reason})`);
    this.name = 'MimeRequiredError';
  }
}

export function graphToInbound(message: GraphMailMessage): InboundMail {
  const reason = mimeRequiredReason(message);
  // Building it anyway would silently lose the attachments or the bounce's recipients.
  if (reason) throw new MimeRequiredError(reason);

  const headers = headersFromEntries((message.internetMessageHeaders ?? []).map((h) => [h.name, h.value] as const));
  const body = message.body ?? { contentType: 'text', content: '' };
  const isHtml = body.contentType.toLowerCase() === 'html';
  const subject = cleanText(message.subject ?? '').trim();
  const from = address(message.from);
  const date = parseDateHeader(headers.get('date')) ?? parseDateHeader(message.receivedDateTime ?? undefined);
  const contentTypeHeader = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();

  return {
    // Exchange gives every message an id, but a draft-like item may have none: hash what identifies it.
    internetMessageId:
      normalizeMessageId(message.internetMessageId ?? '') ??
      synthesizeMessageId([from?.address ?? '', subject, message.receivedDateTime ?? '', body.content]),
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
    text: isHtml ? htmlToText(body.content) : cleanText(body.content).trim(),
    html: isHtml ? sanitizeMailHtml(body.content) : null,
    attachments: [],
    deliveryReport: null,
    contentType: contentTypeHeader || (isHtml ? 'text/html' : 'text/plain'),
  };
}

function address(recipient: GraphEmailAddress | null | undefined): MailAddress | null {
  return normalizeAddress(recipient?.emailAddress?.address, recipient?.emailAddress?.name);
}

function addresses(recipients: readonly GraphEmailAddress[] | null | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const recipient of recipients ?? []) {
    const normalized = address(recipient);
    if (normalized) out.push(normalized);
  }
  return out;
}
