import type { GraphClient } from '../../graph/client';
import { GraphRequestError } from '../../graph/errors';
import type { GraphAttachmentJson, GraphMailMessage } from '../../graph/mail-message';
import { getMime, MimeTooLargeError } from '../../graph/mail-operations';
import { graphToInbound, mimeRequiredReason, MimeRequiredError } from '../mail/graph-to-inbound';
import type { InboundMail } from '../inbound-mail';
import { MessageParseFailure, type ParseHooks, type ParsePool } from '../mail/parse-pool';

/** A listed message, read: its mail, or why it can only be a dead letter. */
export type ReadMessage =
  | { kind: 'mail'; message: GraphMailMessage; internetMessageId: string; mail: InboundMail; raw: Buffer | null }
  | { kind: 'dead_letter'; message: GraphMailMessage; internetMessageId: string; raw: Buffer | null; reasonCode: string; reason: string };

export interface ReadOptions {
  client: GraphClient;
  mailboxAddress: string;
  maxMimeBytes: number;
  /** The message's attachments, when they came with the list. */
  attachments: GraphAttachmentJson[] | undefined;
  pool: ParsePool;
  parseDeadlineMs: number;
  /**
   * Runs a MIME download and its parse. A sync passes one that runs them one at a time: each may be up to
   * `maxMimeBytes`, and a sync holds at most one such message besides its batch.
   */
  download: <T>(work: () => Promise<T>) => Promise<T>;
  /** Around each parse of this message (a suspect's own read marks, see readChunk). */
  parseHooks?: ParseHooks;
}

/**
 * Builds the message's InboundMail from what the list returned, downloading its MIME only when nothing
 * else will do (delivery reports, attachments Graph could not expand, a body too large to list). Parsing
 * runs in the parse pool, under a deadline. Throttling, outages and lost grants are thrown: the message
 * stays unread for the next sync. Everything else wrong with the message itself becomes a dead-letter
 * verdict (`too_large`, `too_complex`, `mime_unparseable`, `content_unavailable`, ...).
 *
 * `internetMessageId` is the id the message is recorded and looked up by: Graph's (Exchange's), in its
 * canonical form, whatever the MIME says. The task pane asks with the id Outlook shows, which is the same.
 */
export async function readMessage(message: GraphMailMessage, internetMessageId: string, options: ReadOptions): Promise<ReadMessage> {
  let raw: Buffer | null = null;
  const deadLetter = (reasonCode: string, reason: string): ReadMessage => ({ kind: 'dead_letter', message, internetMessageId, raw, reasonCode, reason });
  try {
    if (options.attachments && message.body && expandedSize(message, options.attachments) > options.maxMimeBytes) throw new MimeTooLargeError(options.maxMimeBytes);
    let mail = await fromListedJson(message, options);
    mail ??= await options.download(async () => {
      raw = await getMime(options.client, options.mailboxAddress, message.id, options.maxMimeBytes);
      return options.pool.parse({ kind: 'mime', raw }, options.parseDeadlineMs, options.parseHooks);
    });
    return { kind: 'mail', message, internetMessageId, mail: { ...mail, internetMessageId }, raw };
  } catch (error) {
    if (error instanceof MimeTooLargeError) return deadLetter('too_large', error.message);
    if (error instanceof MessageParseFailure) return deadLetter(error.code, error.message);
    if (error instanceof GraphRequestError) {
      // Graph will never serve this message's content: keep what the list returned.
      if (error.kind === 'bad_request' || error.kind === 'too_large') return deadLetter('content_unavailable', `${error.graphCode}: ${error.message}`);
      throw error;
    }
    throw error;
  }
}

/**
 * Listed JSON up to this many characters (body, header values, attachments' base64) is parsed right here:
 * every transform is linear (regex-safety.test.ts) and bounded, so the most such a message can cost is a
 * few milliseconds of the event loop, less than handing it to a worker and back. Anything larger, and
 * every MIME, goes to the pool.
 */
export const INLINE_PARSE_MAX_CHARS = 64 * 1024;

/** The message parsed from its listed JSON (with expanded attachments), or undefined when only its MIME will do. */
async function fromListedJson(message: GraphMailMessage, options: ReadOptions): Promise<InboundMail | undefined> {
  const reason = mimeRequiredReason(message);
  if (!message.body || reason === 'delivery_report' || (reason === 'has_attachments' && !options.attachments)) return undefined;
  if (listedChars(message, options.attachments) <= INLINE_PARSE_MAX_CHARS) {
    // A suspect's marks go around the parse alone: the narrower the window, the surer a death names it.
    await options.parseHooks?.starting?.();
    try {
      return graphToInbound(message, options.attachments);
    } catch (error) {
      if (error instanceof MimeRequiredError) return undefined;
      throw error;
    } finally {
      await options.parseHooks?.ended?.();
    }
  }
  try {
    return await options.pool.parse({ kind: 'graph', message, attachments: options.attachments }, options.parseDeadlineMs, options.parseHooks);
  } catch (error) {
    // Attachments Graph could not expand as plain files (an attached email, a missing contentBytes).
    if (error instanceof MessageParseFailure && error.code === 'mime_required') return undefined;
    throw error;
  }
}

function listedChars(message: GraphMailMessage, attachments: readonly GraphAttachmentJson[] | undefined): number {
  let chars = message.body?.content.length ?? 0;
  for (const header of message.internetMessageHeaders ?? []) chars += header.name.length + header.value.length;
  for (const attachment of attachments ?? []) chars += attachment.contentBytes?.length ?? 0;
  return chars;
}

/** The same limit as a MIME download (body plus attachments): an oversized message is a dead letter either way. */
function expandedSize(message: GraphMailMessage, attachments: readonly GraphAttachmentJson[]): number {
  return Buffer.byteLength(message.body?.content ?? '') + attachments.reduce((sum, a) => sum + (a.size ?? 0), 0);
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
