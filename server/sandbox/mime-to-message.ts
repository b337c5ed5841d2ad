import crypto from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import { readHeaders } from './mime-headers';

/**
 * Parses delivered MIME once into the fields Graph serves. The raw bytes are kept beside these fields (for
 * $value, headers and attachment content); nothing large is copied except the body text.
 */

export interface Recipient {
  emailAddress: { name: string; address: string };
}

export interface AttachmentMeta {
  /** Position among mailparser's attachments, used to find the content again in the raw MIME. */
  index: number;
  kind: 'file' | 'item';
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
}

export interface MessageFields {
  subject: string;
  from?: Recipient;
  sender?: Recipient;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  internetMessageId: string;
  /** First id of References, else In-Reply-To, else own id: the thread's root, hashed into conversationId. */
  threadRoot: string;
  sentAt?: number;
  bodyText: string;
  bodyHtml?: string;
  importance: 'low' | 'normal' | 'high';
  attachments: AttachmentMeta[];
  isDeliveryReceiptRequested: boolean;
  isReadReceiptRequested: boolean;
}

const PARSE_OPTIONS = {
  // Keep cid: links: inlining images as data: URIs would copy every inline image into the body string.
  keepCidLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  // Exchange shows a bounce's delivery-status part as an attachment, not as body text.
  keepDeliveryStatus: true,
  // The text version of a huge HTML body is not worth seconds of the sandbox's time per delivery.
  maxHtmlLengthToParse: 1024 * 1024,
} as const;

export async function messageFieldsFromMime(raw: Buffer, generatedIdHost: string): Promise<MessageFields> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, PARSE_OPTIONS);
  } catch {
    // Exchange files what it cannot fully parse (MIME trees too deep, header blocks too large) with what it
    // can read of the headers and no body; its MIME stays available through $value.
    return unparsedFields(raw, generatedIdHost);
  }
  const messageId = mail.messageId ?? `<${crypto.randomBytes(16).toString('hex').toUpperCase()}@${generatedIdHost}>`;
  const refs = Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [];
  const from = addresses(mail.from)[0];
  const senderHeader = addressesFromHeader(mail, 'sender')[0];
  const html = typeof mail.html === 'string' && mail.html.length > 0 ? mail.html : undefined;
  return detach({
    subject: mail.subject ?? '',
    ...(from ? { from } : {}),
    ...(senderHeader ?? from ? { sender: (senderHeader ?? from) as Recipient } : {}),
    toRecipients: addresses(mail.to),
    ccRecipients: addresses(mail.cc),
    bccRecipients: addresses(mail.bcc),
    replyTo: addresses(mail.replyTo),
    internetMessageId: messageId,
    threadRoot: refs[0] ?? mail.inReplyTo ?? messageId,
    ...(mail.date ? { sentAt: mail.date.getTime() } : {}),
    bodyText: mail.text ?? '',
    ...(html ? { bodyHtml: html } : {}),
    importance: importanceOf(mail),
    attachments: mail.attachments.map((a, index) => attachmentMeta(a, index)),
    isDeliveryReceiptRequested: mail.headers.has('return-receipt-to'),
    isReadReceiptRequested: mail.headers.has('disposition-notification-to'),
  });
}

function unparsedFields(raw: Buffer, generatedIdHost: string): MessageFields {
  const headers = readHeaders(raw);
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value.slice(0, 4096);
  const messageId = /<[^<>\s]{1,900}>/.exec(header('message-id') ?? '')?.[0] ?? `<${crypto.randomBytes(16).toString('hex').toUpperCase()}@${generatedIdHost}>`;
  const fromMatch = /^\s*"?([^"<]{0,200}?)"?\s*<([^<>\s@]{1,200}@[^<>\s@]{1,200})>/.exec(header('from') ?? '');
  const from: Recipient | undefined = fromMatch ? { emailAddress: { name: fromMatch[1]?.trim() || fromMatch[2]!, address: fromMatch[2]! } } : undefined;
  return {
    subject: header('subject') ?? '',
    ...(from ? { from, sender: from } : {}),
    toRecipients: [],
    ccRecipients: [],
    bccRecipients: [],
    replyTo: [],
    internetMessageId: messageId,
    threadRoot: messageId,
    bodyText: '',
    importance: 'normal',
    attachments: [],
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
  };
}

/**
 * A deep copy with fresh strings. mailparser's strings are often slices of larger strings (the whole decoded
 * part or header block), and V8 keeps the parent alive as long as a slice lives: across tens of thousands of
 * stored messages that multiplies memory several times.
 */
function detach(fields: MessageFields): MessageFields {
  return JSON.parse(JSON.stringify(fields)) as MessageFields;
}

/** Parses the raw MIME again to read attachment bytes: content is never kept in memory twice. */
export async function attachmentContents(raw: Buffer): Promise<Buffer[]> {
  try {
    const mail = await simpleParser(raw, PARSE_OPTIONS);
    return mail.attachments.map((a) => a.content);
  } catch {
    return []; // filed without parsing (unparsedFields): no attachments were listed either
  }
}

export async function attachmentContent(raw: Buffer, index: number): Promise<Buffer | undefined> {
  return (await attachmentContents(raw))[index];
}

function attachmentMeta(a: Attachment, index: number): AttachmentMeta {
  const isItem = a.contentType === 'message/rfc822';
  const meta: AttachmentMeta = {
    index,
    kind: isItem ? 'item' : 'file',
    name: a.filename ?? (isItem ? 'Attached message' : defaultName(a.contentType)),
    contentType: a.contentType,
    size: a.size,
    // Exchange treats a part as inline when it is disposition inline and referenced by Content-ID (related).
    isInline: a.related === true || (a.contentDisposition === 'inline' && a.cid !== undefined),
  };
  if (a.cid) meta.contentId = a.cid;
  return meta;
}

function defaultName(contentType: string): string {
  if (contentType === 'message/delivery-status') return 'details.txt';
  if (contentType === 'text/rfc822-headers') return 'headers.txt';
  return 'Untitled attachment';
}

function addresses(obj: AddressObject | AddressObject[] | undefined): Recipient[] {
  if (!obj) return [];
  const list = Array.isArray(obj) ? obj : [obj];
  const out: Recipient[] = [];
  for (const group of list) {
    for (const a of group.value) {
      // RFC 5322 groups nest their members.
      const members = a.group ?? [a];
      for (const m of members) {
        if (!m.address) continue;
        out.push({ emailAddress: { name: m.name || m.address, address: m.address } });
      }
    }
  }
  return out;
}

function addressesFromHeader(mail: ParsedMail, name: string): Recipient[] {
  const v = mail.headers.get(name);
  if (v && typeof v === 'object' && 'value' in v) return addresses(v as AddressObject);
  return [];
}

function importanceOf(mail: ParsedMail): 'low' | 'normal' | 'high' {
  const importance = String(mail.headers.get('importance') ?? '').toLowerCase();
  const xPriority = String(mail.headers.get('x-priority') ?? '').trim();
  if (importance === 'high' || /^[12]\b/.test(xPriority)) return 'high';
  if (importance === 'low' || /^[45]\b/.test(xPriority)) return 'low';
  return 'normal';
}
