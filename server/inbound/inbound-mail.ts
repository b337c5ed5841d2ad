import type { AttachmentFile } from '../tickets/attachment-file';

/**
 * One received email, provider-neutral and typed: what the filter pipeline and the ingest transaction see.
 * Built from Graph's JSON (headers, body, recipients) or, when attachments or a delivery report need it, from
 * the raw MIME.
 */

export interface MailAddress {
  /** Lower-cased. */
  address: string;
  name: string | null;
}

export type InboundAttachment = AttachmentFile;

/** A multipart/report delivery status notification (a bounce). */
export interface DeliveryReport {
  recipients: { address: string; action: string; status: string | null; diagnostic: string | null }[];
  /** Message-ID of the mail that bounced, from the returned headers, when present. */
  originalMessageId: string | null;
}

/** Case-insensitive access to the raw header list, in message order. */
export class MailHeaders {
  private readonly byName = new Map<string, string[]>();

  constructor(entries: Iterable<readonly [string, string]>) {
    for (const [name, value] of entries) {
      const key = name.toLowerCase();
      const list = this.byName.get(key);
      if (list) list.push(value);
      else this.byName.set(key, [value]);
    }
  }

  get(name: string): string | undefined {
    return this.byName.get(name.toLowerCase())?.[0];
  }

  getAll(name: string): readonly string[] {
    return this.byName.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

export interface InboundMail {
  /** With angle brackets, as in the header: `<abc@example.com>`. */
  internetMessageId: string;
  subject: string;
  from: MailAddress | null;
  sender: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** The Date header, ISO-8601, when it parses. */
  date: string | null;
  headers: MailHeaders;
  /** Message-IDs with angle brackets. */
  inReplyTo: string[];
  references: string[];
  /** Plain-text body (converted from HTML when the mail has no text part). */
  text: string;
  /** Sanitized HTML body, safe to show; null for text-only mail. */
  html: string | null;
  attachments: InboundAttachment[];
  deliveryReport: DeliveryReport | null;
  /** Top-level MIME type, lower-cased, e.g. `multipart/mixed`. */
  contentType: string;
}

/**
 * The most text one message keeps (about 1 MB): enough for any letter a person wrote, and a bound on what
 * the filters, the database and the task pane handle per message. The rest is cut with a visible marker.
 */
export const MAX_TEXT_CHARS = 1_000_000;

/** Appended where text was cut, so an agent knows there was more: never a silent cut. */
export function truncationMarker(droppedChars: number): string {
  return `\n\n[Relaydesk: the message is longer than shown; ${droppedChars} more characters were cut]`;
}

/** `text` cut to MAX_TEXT_CHARS, with the marker when it was longer. */
export function capText(text: string): string {
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)}${truncationMarker(text.length - MAX_TEXT_CHARS)}` : text;
}

/** PostgreSQL text cannot hold NUL, and a stray one would make the ingest transaction fail forever. */
export function cleanText(value: string): string {
  return value.replace(/\0/g, '').replace(/\r\n?/g, '\n');
}
