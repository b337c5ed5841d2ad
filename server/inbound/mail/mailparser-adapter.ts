import { MailParser, type AddressObject, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from 'mailparser';
import type { MailAddress } from '../inbound-mail';
import { cleanText } from '../inbound-mail';
import { REPORT_PART_SCAN_BYTES, REPORT_PART_TYPES, type ScannedAttachment } from './delivery-report';
import { ATTACHMENT_OVER_SIZE_CAP, normalizeAddress } from './mail-fields';

/**
 * The one place that speaks mailparser: it streams the message through MailParser and hands back its headers,
 * text and attachments, with addresses already normalised. mime-to-inbound.ts makes the InboundMail of them.
 */

export interface MailparserLimits {
  maxAttachmentBytes: number;
  maxHeaderBlockBytes: number;
  maxMimeParts: number;
}

export interface ParsedParts {
  headers: Headers;
  headerLines: HeaderLines;
  text: Partial<MessageText>;
  attachments: ScannedAttachment[];
}

/**
 * Streams the message through MailParser so an attachment over the cap is counted, never buffered whole.
 * Rejects with whatever mailparser (or an attachment stream) failed with; the caller gives it a code.
 */
export function runMailparser(raw: Buffer, limits: MailparserLimits): Promise<ParsedParts> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      // The delivery-status part is data for the bounce filter, not prose for the ticket.
      keepDeliveryStatus: true,
      checksumAlgo: false,
      maxHeadSize: limits.maxHeaderBlockBytes,
      maxChildNodes: limits.maxMimeParts,
    });
    const result: ParsedParts = { headers: new Map(), headerLines: [], text: {}, attachments: [] };
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(error);
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
      collectAttachment(data, limits.maxAttachmentBytes, (entry) => result.attachments.push(entry), fail);
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(result);
    });
    parser.end(raw);
  });
}

function collectAttachment(part: AttachmentStream, maxBytes: number, done: (entry: ScannedAttachment) => void, fail: (error: unknown) => void): void {
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

export function topContentType(headers: Headers): string {
  const value = headers.get('content-type');
  const type = value && typeof value === 'object' && 'value' in value && typeof value.value === 'string' ? value.value : 'text/plain';
  return type.trim().toLowerCase() || 'text/plain';
}

export function stringHeader(headers: Headers, name: string): string | undefined {
  const value = headers.get(name);
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

export function addressesOf(value: unknown): MailAddress[] {
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
