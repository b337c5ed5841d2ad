import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphRequestError } from '../graph/errors';
import { getMime, MimeTooLargeError, type GraphAttachmentJson, type GraphMailMessage } from '../graph/mail-operations';
import { graphToInbound, mimeRequiredReason, MimeRequiredError } from './graph-to-inbound';
import type { InboundMail } from './inbound-mail';
import { MailParseError, parseMime } from './parse-mime';

/** A listed message, read: its mail, or why it can only be a dead letter. */
export type ReadMessage =
  | { kind: 'mail'; message: GraphMailMessage; internetMessageId: string; mail: InboundMail; raw: Buffer | null }
  | { kind: 'dead_letter'; message: GraphMailMessage; internetMessageId: string; raw: Buffer | null; reasonCode: string; reason: string };

export interface ReadOptions {
  client: Client;
  mailboxAddress: string;
  maxMimeBytes: number;
  /** The message's attachments, when they came with the list. */
  attachments: GraphAttachmentJson[] | undefined;
}

/**
 * Builds the message's InboundMail from what the list returned, downloading its MIME only when nothing
 * else will do (delivery reports, attachments Graph could not expand). Throttling, outages and lost grants
 * are thrown: the message stays unread for the next sync. Everything else wrong with the message itself
 * becomes a dead-letter verdict.
 */
export async function readMessage(message: GraphMailMessage, internetMessageId: string, options: ReadOptions): Promise<ReadMessage> {
  let raw: Buffer | null = null;
  const deadLetter = (reasonCode: string, reason: string): ReadMessage => ({ kind: 'dead_letter', message, internetMessageId, raw, reasonCode, reason });
  try {
    const expanded = options.attachments && message.body ? fromExpandedAttachments(message, options.attachments, options.maxMimeBytes) : undefined;
    if (expanded === 'too_large') throw new MimeTooLargeError(options.maxMimeBytes);
    let mail: InboundMail;
    if (expanded) {
      mail = expanded;
    } else if (mimeRequiredReason(message) || !message.body) {
      raw = await getMime(options.client, options.mailboxAddress, message.id, options.maxMimeBytes);
      mail = await parseMime(raw);
    } else {
      mail = graphToInbound(message);
    }
    // The id the sync looks messages up by must be the one they are recorded under.
    if (!message.internetMessageId?.trim()) mail = { ...mail, internetMessageId };
    return { kind: 'mail', message, internetMessageId, mail, raw };
  } catch (error) {
    if (error instanceof MimeTooLargeError) return deadLetter('too_large', error.message);
    if (error instanceof GraphRequestError) {
      // Graph will never serve this message's content: keep what the list returned.
      if (error.kind === 'permanent') return deadLetter('content_unavailable', `${error.graphCode}: ${error.message}`);
      throw error;
    }
    return deadLetter(error instanceof MailParseError ? error.code : 'parse_failed', error instanceof Error ? error.message : String(error));
  }
}

/** Roughly the memory a read message holds until its batch commits: its MIME, bodies and attachments. */
export function heldBytes(read: ReadMessage): number {
  let bytes = read.raw?.length ?? 0;
  if (read.kind === 'mail') {
    bytes += read.mail.text.length + (read.mail.html?.length ?? 0);
    for (const a of read.mail.attachments) bytes += a.content?.length ?? 0;
  }
  return bytes;
}

/** The message built from its JSON and expanded attachments; undefined when only its MIME will do. */
function fromExpandedAttachments(message: GraphMailMessage, attachments: GraphAttachmentJson[], maxBytes: number): InboundMail | 'too_large' | undefined {
  // The same limit as a MIME download (body plus attachments): an oversized message is a dead letter either way.
  const size = Buffer.byteLength(message.body?.content ?? '') + attachments.reduce((sum, a) => sum + (a.size ?? 0), 0);
  if (size > maxBytes) return 'too_large';
  try {
    return graphToInbound(message, attachments);
  } catch (error) {
    if (error instanceof MimeRequiredError) return undefined;
    throw error;
  }
}
