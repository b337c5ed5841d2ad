import { createHash } from 'node:crypto';
import { MailParser, type AddressObject, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from 'mailparser';
import { messageIdsIn, normalizeMessageId } from '../../tickets/message-id';
import { normalizeHeaderCharset } from './header-charset';
import type { DeliveryReport, InboundAttachment, InboundMail, MailAddress } from '../inbound-mail';
import { capText, cleanText, MailHeaders } from '../inbound-mail';
import { htmlBody } from './mail-html';


/**
 * Raw RFC 822 bytes -> InboundMail. Everything a sender controls is normalised here once (addresses lower-cased,
 * Message-IDs in angle brackets, HTML sanitized, NULs removed), so that the filters and the ingest transaction
 * never see raw input. graph-to-inbound.ts reuses the helpers exported at the bottom, so both paths agree.
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
/** Header fields kept per message; Exchange itself refuses header blocks past 256 KB. */
export const MAX_HEADER_FIELDS = 1000;
/** A longer header value is cut here (DKIM signatures and long References stay far below it). */
export const MAX_HEADER_VALUE_CHARS = 64 * 1024;
/** RFC 2047 encoded words decoded per header value; the rest stay as they are. */
export const MAX_ENCODED_WORDS = 256;
/** Threading looks these up in the database; a References header with thousands of ids must not become one query. */
export const MAX_REFERENCES = 50;
/** Enough of a returned message to read its header block, however large its own attachments are. */
export const REPORT_PART_SCAN_BYTES = 64 * 1024;
/** `.invalid` (RFC 2606) can never be a real domain, so a synthetic id cannot collide with anyone's real one. */
export const SYNTHESIZED_MESSAGE_ID_DOMAIN = 'synthesized.relaydesk.invalid';
/** `omittedReason` of an attachment whose content was over the size cap. */
export const ATTACHMENT_OVER_SIZE_CAP = 'over_size_cap';

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

export interface ParseMimeOptions {
  /** Bytes; a positive integer. Default DEFAULT_MAX_ATTACHMENT_BYTES. */
  maxAttachmentBytes?: number;
  /** Bytes; a positive integer. Default DEFAULT_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

const OPTION_NAMES: readonly string[] = ['maxAttachmentBytes', 'maxMessageBytes'];

export async function parseMime(raw: Buffer, options: ParseMimeOptions = {}): Promise<InboundMail> {
  if (!Buffer.isBuffer(raw)) throw new TypeError('parseMime expects the raw message as a Buffer');
  // A typo'd option name would otherwise leave the default in place without anyone noticing.
  for (const key of Object.keys(options)) if (!OPTION_NAMES.includes(key)) throw new TypeError(`Unknown parseMime option: ${key}`);
  const maxAttachmentBytes = limitOption(options, 'maxAttachmentBytes', DEFAULT_MAX_ATTACHMENT_BYTES);
  const maxMessageBytes = limitOption(options, 'maxMessageBytes', DEFAULT_MAX_MESSAGE_BYTES);
  if (raw.length === 0) throw new MailParseError('empty_message', 'The message has no bytes');
  if (raw.length > maxMessageBytes) {
    throw new MailParseError('message_too_large', `The message is ${raw.length} bytes, over the limit of ${maxMessageBytes}`);
  }

  const parsed = await runMailparser(normalizeHeaderCharset(raw), maxAttachmentBytes);
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

function limitOption(options: ParseMimeOptions, name: keyof ParseMimeOptions, fallback: number): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  // 0, NaN, Infinity or '10mb' must not quietly mean "no limit".
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of bytes, got ${typeof value}`);
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// mailparser

interface ParsedParts {
  headers: Headers;
  headerLines: HeaderLines;
  text: Partial<MessageText>;
  attachments: { attachment: InboundAttachment; head: Buffer }[];
}

/** Streams the message through MailParser so an attachment over the cap is counted, never buffered whole. */
function runMailparser(raw: Buffer, maxAttachmentBytes: number): Promise<ParsedParts> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      // The delivery-status part is data for the bounce filter, not prose for the ticket.
      keepDeliveryStatus: true,
      checksumAlgo: false,
      maxHeadSize: MAX_HEADER_BLOCK_BYTES,
      maxChildNodes: MAX_MIME_PARTS,
    });
    const result: ParsedParts = { headers: new Map(), headerLines: [], text: {}, attachments: [] };
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(new MailParseError('mime_unparseable', `mailparser rejected the message: ${String((error as Error)?.message ?? error)}`, { cause: error }));
    };
    parser.on('error', fail);
    parser.on('headers', (headers) => {
      result.headers = headers;
      result.headerLines = parser.headerLines || [];
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        result.text = data;
        return;
      }
      collectAttachment(data, maxAttachmentBytes, (entry) => result.attachments.push(entry), fail);
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(result);
    });
    parser.end(raw);
  });
}

function collectAttachment(
  part: AttachmentStream,
  maxBytes: number,
  done: (entry: { attachment: InboundAttachment; head: Buffer }) => void,
  fail: (error: unknown) => void,
): void {
  const chunks: Buffer[] = [];
  const head: Buffer[] = [];
  let size = 0;
  let headSize = 0;
  const contentType = (part.contentType || 'application/octet-stream').toLowerCase();
  const scanHead = REPORT_PART_TYPES.has(contentType);
  part.content.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
    else chunks.length = 0; // over the cap: stop holding it, keep counting
    if (scanHead && headSize < REPORT_PART_SCAN_BYTES) {
      head.push(chunk);
      headSize += chunk.length;
    }
  });
  part.content.on('error', fail);
  part.content.on('end', () => {
    const over = size > maxBytes;
    done({
      attachment: {
        filename: cleanText(part.filename ?? defaultFilename(contentType)),
        contentType,
        size,
        contentId: part.cid ?? null,
        // Exchange's rule: inline when referenced from the HTML (multipart/related) or disposition inline with a cid.
        inline: part.related === true || (part.contentDisposition === 'inline' && part.cid !== undefined),
        content: over ? null : Buffer.concat(chunks, size),
        omittedReason: over ? ATTACHMENT_OVER_SIZE_CAP : null,
      },
      head: Buffer.concat(head).subarray(0, REPORT_PART_SCAN_BYTES),
    });
    part.release?.();
  });
}

function defaultFilename(contentType: string): string {
  if (contentType === 'message/delivery-status' || contentType === 'message/global-delivery-status') return 'details.txt';
  if (contentType.endsWith('rfc822-headers') || contentType === 'message/global-headers') return 'headers.txt';
  if (contentType === 'message/rfc822' || contentType === 'message/global') return 'message.eml';
  return 'attachment';
}

function topContentType(headers: Headers): string {
  const value = headers.get('content-type');
  const type = value && typeof value === 'object' && 'value' in value && typeof value.value === 'string' ? value.value : 'text/plain';
  return type.trim().toLowerCase() || 'text/plain';
}

function stringHeader(headers: Headers, name: string): string | undefined {
  const value = headers.get(name);
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function addressesOf(value: unknown): MailAddress[] {
  if (!value || typeof value !== 'object') return [];
  const objects = (Array.isArray(value) ? value : [value]) as AddressObject[];
  const out: MailAddress[] = [];
  for (const object of objects) {
    for (const entry of object.value ?? []) {
      // RFC 5322 groups (`Team: a@x, b@y;`) nest their members.
      for (const member of entry.group ?? [entry]) {
        const address = normalizeAddress(member.address, member.name);
        if (address) out.push(address);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Delivery status notifications (RFC 3464)

const DELIVERY_STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_HEADER_TYPES = new Set(['message/rfc822-headers', 'text/rfc822-headers', 'message/global-headers', 'message/rfc822', 'message/global']);
const REPORT_PART_TYPES = new Set([...DELIVERY_STATUS_TYPES, ...RETURNED_HEADER_TYPES]);

function deliveryReportOf(contentType: string, parts: ParsedParts['attachments']): DeliveryReport | null {
  const status = parts.find((p) => DELIVERY_STATUS_TYPES.has(p.attachment.contentType));
  if (contentType !== 'multipart/report' || !status) return null;
  const blocks = fieldBlocks(status.head.toString('utf8'));
  const recipients: DeliveryReport['recipients'] = [];
  // The first block is about the message (Reporting-MTA); each later one is about one recipient.
  for (const block of blocks.slice(1)) {
    const address = recipientAddress(block.get('original-recipient')) ?? recipientAddress(block.get('final-recipient'));
    if (!address) continue;
    recipients.push({
      address,
      action: (block.get('action') ?? '').trim().toLowerCase(),
      status: /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(block.get('status') ?? '')?.[0] ?? null,
      // `smtp; 550 5.1.1 ...` -> `550 5.1.1 ...`, folded lines joined.
      diagnostic: block.get('diagnostic-code')?.replace(/^\s*[\w-]+\s*;\s*/, '').replace(/\s+/g, ' ').trim() || null,
    });
  }
  const returned = parts.find((p) => RETURNED_HEADER_TYPES.has(p.attachment.contentType));
  const returnedHeaders = returned ? fieldBlocks(returned.head.toString('utf8'))[0] : undefined;
  return { recipients, originalMessageId: normalizeMessageId(returnedHeaders?.get('message-id') ?? '') };
}

/** `Final-Recipient: rfc822; bob@example.com` -> `bob@example.com`. */
function recipientAddress(field: string | undefined): string | null {
  const value = field?.includes(';') ? field.slice(field.indexOf(';') + 1) : field;
  const address = value?.trim().replace(/^<|>$/g, '').trim().toLowerCase();
  return address && address.includes('@') ? cleanText(address) : null;
}

/** Header-style field blocks separated by blank lines, names lower-cased, first occurrence of a name wins. */
function fieldBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  for (const chunk of text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of chunk.replace(/\n(?=[ \t])/g, '').split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
    }
    if (fields.size > 0) blocks.push(fields);
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared normalisation (also used by graph-to-inbound.ts)

/** Lower-cased address and trimmed name; null for anything that is not an address (groups, `undisclosed-recipients`). */
export function normalizeAddress(address: string | null | undefined, name: string | null | undefined): MailAddress | null {
  const normalized = cleanText(address ?? '').trim().toLowerCase();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(normalized)) return null;
  const display = cleanText(name ?? '').trim().replace(/^"(.*)"$/, '$1').trim();
  return { address: normalized, name: display && display.toLowerCase() !== normalized ? display : null };
}

/** A stable Message-ID for mail that has none: the same input always gives the same id, so it dedupes. */
export function synthesizeMessageId(parts: readonly (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return `<${hash.digest('hex').slice(0, 40)}@${SYNTHESIZED_MESSAGE_ID_DOMAIN}>`;
}

/** The most recent references (the header lists the oldest first). */
export function lastReferences(ids: string[]): string[] {
  return ids.length > MAX_REFERENCES ? ids.slice(-MAX_REFERENCES) : ids;
}

export function parseDateHeader(value: string | undefined): string | null {
  if (!value) return null;
  // Trailing comments such as `(UTC)` or `(Pacific Standard Time)` are legal and confuse Date.parse.
  const time = Date.parse(value.replace(/\([^()]*\)/g, ' ').trim());
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}

/** Raw header lines (folded, maybe with RFC 2047 words) -> MailHeaders in message order. */
function headersFromLines(lines: HeaderLines): MailHeaders {
  const entries: [string, string][] = [];
  for (const { line } of lines) {
    const unfolded = line.replace(/\r?\n(?=[ \t])/g, '');
    const colon = unfolded.indexOf(':');
    if (colon <= 0) continue; // garbage before the first real header
    entries.push([unfolded.slice(0, colon).trim(), unfolded.slice(colon + 1).trim()]);
  }
  return headersFromEntries(entries);
}

/** Header fields, bounded: at most MAX_HEADER_FIELDS fields, each value cut at MAX_HEADER_VALUE_CHARS. */
export function headersFromEntries(entries: Iterable<readonly [string, string]>): MailHeaders {
  const out: [string, string][] = [];
  for (const [name, value] of entries) {
    if (out.length >= MAX_HEADER_FIELDS) break;
    const key = cleanText(name.slice(0, 256)).trim();
    const bounded = value.length > MAX_HEADER_VALUE_CHARS ? value.slice(0, MAX_HEADER_VALUE_CHARS) : value;
    // A decoded header must stay one line: a CR/LF smuggled in an encoded word would forge log lines.
    if (key) out.push([key, cleanText(decodeEncodedWords(bounded)).replace(/[\r\n\t]+/g, ' ').trim()]);
  }
  return new MailHeaders(out);
}

// Each part excludes `?` and white space, so a failed match gives up at the next `?`: linear.
const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/** RFC 2047: `=?UTF-8?B?w4RyZ2Vy?=` -> `Ärger`. Adjacent words are joined so a character split across two decodes. */
function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  const pieces: { charset: string; bytes: Buffer }[] = [];
  let out = '';
  let last = 0;
  const flush = (): void => {
    for (const piece of pieces.splice(0)) out += decodeBytes(piece.bytes, piece.charset);
  };
  let words = 0;
  for (const match of value.matchAll(ENCODED_WORD)) {
    if (++words > MAX_ENCODED_WORDS) break;
    const between = value.slice(last, match.index);
    if (pieces.length === 0 || between.trim() !== '') {
      flush();
      out += between;
    }
    const charset = (match[1] ?? '').split('*')[0]!.toLowerCase();
    const data = match[3] ?? '';
    const bytes = (match[2] ?? '').toLowerCase() === 'b'
      ? Buffer.from(data, 'base64')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    const previous = pieces[pieces.length - 1];
    if (previous && previous.charset === charset) previous.bytes = Buffer.concat([previous.bytes, bytes]);
    else pieces.push({ charset, bytes });
    last = match.index + match[0].length;
  }
  flush();
  return out + value.slice(last);
}

function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('latin1'); // unknown charset: readable beats lost
  }
}
