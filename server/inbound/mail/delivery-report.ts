import { normalizeMessageId } from '../../tickets/message-id';
import type { DeliveryReport, InboundAttachment } from '../inbound-mail';
import { cleanText } from '../inbound-mail';

/**
 * Delivery status notifications (RFC 3464): which recipients failed and which message bounced, read from the
 * report's status part and returned headers, for the bounce filter.
 */

/** Enough of a returned message to read its header block, however large its own attachments are. */
export const REPORT_PART_SCAN_BYTES = 64 * 1024;

const DELIVERY_STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_HEADER_TYPES = new Set(['message/rfc822-headers', 'text/rfc822-headers', 'message/global-headers', 'message/rfc822', 'message/global']);
/** The parts whose first REPORT_PART_SCAN_BYTES are kept aside for deliveryReportOf. */
export const REPORT_PART_TYPES: ReadonlySet<string> = new Set([...DELIVERY_STATUS_TYPES, ...RETURNED_HEADER_TYPES]);

/** An attachment with the start of its content; `head` is empty unless its type is in REPORT_PART_TYPES. */
export interface ScannedAttachment {
  attachment: InboundAttachment;
  head: Buffer;
}

export function deliveryReportOf(contentType: string, parts: readonly ScannedAttachment[]): DeliveryReport | null {
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
