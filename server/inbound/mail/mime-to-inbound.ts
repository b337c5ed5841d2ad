import { messageIdsIn, normalizeMessageId } from '../../tickets/message-id';
import type { InboundMail } from '../inbound-mail';
import { capText, cleanText } from '../inbound-mail';
import { deliveryReportOf } from './delivery-report';
import { normalizeHeaderCharset } from './header-charset';
import { headersFromLines } from './header-decoding';
import { htmlBody } from './mail-html';
import { lastReferences, parseDateHeader, synthesizeMessageId } from './mail-fields';
import { addressesOf, runMailparser, stringHeader, topContentType } from './mailparser-adapter';

/**
 * Raw RFC 822 bytes -> InboundMail. Everything a sender controls is normalised here once (addresses lower-cased,
 * Message-IDs in angle brackets, HTML sanitized, NULs removed), so that the filters and the ingest transaction
 * never see raw input. graph-to-inbound.ts uses the same helpers (mail-fields.ts, header-decoding.ts), so both
 * paths agree.
 *
 * Failure policy: nothing is dropped silently. A message without a usable Message-ID gets a stable synthetic one
 * (a hash of its bytes, so a re-fetch dedupes); a message mailparser rejects, an empty one or one over the size
 * limit throws MailParseError with a code, and the ingest step keeps it as a dead letter with its raw bytes.
 */

/** Attachments larger than this are listed with their size but their content is not kept (the ticket says so). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/**
 * Exchange Online accepts 36 MB by default (150 MB when an admin raises it). Parsing holds the raw bytes and the
 * decoded parts in memory at once, so mail above this is dead-lettered instead of risking the process.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** mailparser's own default, stated here so it cannot change under us with an upgrade: a header bomb is an error. */
export const MAX_HEADER_BLOCK_BYTES = 1024 * 1024;
/**
 * A message with thousands of tiny MIME parts costs parse time for nothing a human wrote. The count bounds
 * depth as well: every level of nesting is a part.
 */
export const MAX_MIME_PARTS = 500;

export type MailParseErrorCode = 'empty_message' | 'message_too_large' | 'mime_unparseable';

export class MailParseError extends Error {
  constructor(
    readonly code: MailParseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailParseError';
  }
}

export interface MimeToInboundOptions {
  /** Bytes; a positive integer. Default DEFAULT_MAX_ATTACHMENT_BYTES. */
  maxAttachmentBytes?: number;
  /** Bytes; a positive integer. Default DEFAULT_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

const OPTION_NAMES: readonly string[] = ['maxAttachmentBytes', 'maxMessageBytes'];

export async function inboundMailFromMime(raw: Buffer, options: MimeToInboundOptions = {}): Promise<InboundMail> {
  if (!Buffer.isBuffer(raw)) throw new TypeError('inboundMailFromMime expects the raw message as a Buffer');
  // A typo'd option name would otherwise leave the default in place without anyone noticing.
  for (const key of Object.keys(options)) if (!OPTION_NAMES.includes(key)) throw new TypeError(`Unknown inboundMailFromMime option: ${key}`);
  const maxAttachmentBytes = limitOption(options, 'maxAttachmentBytes', DEFAULT_MAX_ATTACHMENT_BYTES);
  const maxMessageBytes = limitOption(options, 'maxMessageBytes', DEFAULT_MAX_MESSAGE_BYTES);
  if (raw.length === 0) throw new MailParseError('empty_message', 'The message has no bytes');
  if (raw.length > maxMessageBytes) {
    throw new MailParseError('message_too_large', `The message is ${raw.length} bytes, over the limit of ${maxMessageBytes}`);
  }

  const limits = { maxAttachmentBytes, maxHeaderBlockBytes: MAX_HEADER_BLOCK_BYTES, maxMimeParts: MAX_MIME_PARTS };
  const parsed = await runMailparser(normalizeHeaderCharset(raw), limits).catch((error: unknown) => {
    throw new MailParseError('mime_unparseable', `mailparser rejected the message: ${String((error as Error)?.message ?? error)}`, { cause: error });
  });
  const headers = headersFromLines(parsed.headerLines);
  const contentType = topContentType(parsed.headers);
  const rawHtml = typeof parsed.text.html === 'string' ? parsed.text.html : null;
  // Our own converter rather than mailparser's, so that Graph's HTML bodies (graph-to-inbound) read the same.
  const body = rawHtml === null ? null : htmlBody(rawHtml);
  const text = parsed.text.text ? capText(cleanText(parsed.text.text)) : (body?.text ?? '');

  return {
    internetMessageId: normalizeMessageId(headers.get('message-id') ?? '') ?? synthesizeMessageId([raw]),
    subject: cleanText(stringHeader(parsed.headers, 'subject') ?? '').trim(),
    from: addressesOf(parsed.headers.get('from'))[0] ?? null,
    sender: addressesOf(parsed.headers.get('sender'))[0] ?? null,
    replyTo: addressesOf(parsed.headers.get('reply-to')),
    to: addressesOf(parsed.headers.get('to')),
    cc: addressesOf(parsed.headers.get('cc')),
    date: parseDateHeader(headers.get('date')),
    headers,
    inReplyTo: messageIdsIn(headers.getAll('in-reply-to').join(' ')),
    references: lastReferences(messageIdsIn(headers.getAll('references').join(' '))),
    text: text.trim(),
    html: body?.html ?? null,
    attachments: parsed.attachments.map((a) => a.attachment),
    deliveryReport: deliveryReportOf(contentType, parsed.attachments),
    contentType,
  };
}

function limitOption(options: MimeToInboundOptions, name: keyof MimeToInboundOptions, fallback: number): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  // 0, NaN, Infinity or '10mb' must not quietly mean "no limit".
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of bytes, got ${typeof value}`);
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
