import type { GraphAttachmentJson, GraphMailMessage } from '../../graph/mail-message';
import { graphToInbound, MimeRequiredError } from './graph-to-inbound';
import { MailHeaders, type InboundMail } from '../inbound-mail';
import { inboundMailFromMime, MailParseError } from './mime-to-inbound';

/**
 * Runs in a parse worker thread (parse-pool.ts): every transform of a received message's content, so
 * that a runaway one costs this thread, never the event loop that serves the API and the other mailboxes.
 * Inputs and results cross the thread boundary as plain data (structured clone).
 */

export type ParseTask =
  | { kind: 'mime'; raw: Uint8Array }
  | { kind: 'graph'; message: GraphMailMessage; attachments?: GraphAttachmentJson[] | undefined };

/** InboundMail as it crosses threads: MailHeaders as its entries, Buffers as bytes. */
export type WireMail = Omit<InboundMail, 'headers'> & { headers: [string, string[]][] };

export type ParseResult = { ok: true; mail: WireMail } | { ok: false; code: string; message: string };

export default async function parse(task: ParseTask): Promise<ParseResult> {
  try {
    const mail = task.kind === 'mime' ? await inboundMailFromMime(Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength)) : graphToInbound(task.message, task.attachments);
    return { ok: true, mail: toWire(mail) };
  } catch (error) {
    // Errors lose their class and fields when cloned across threads: their codes travel as data.
    if (error instanceof MailParseError) return { ok: false, code: error.code, message: error.message };
    if (error instanceof MimeRequiredError) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'parse_failed', message: error instanceof Error ? error.message : String(error) };
  }
}

function toWire(mail: InboundMail): WireMail {
  return { ...mail, headers: mail.headers.names().map((name) => [name, [...mail.headers.getAll(name)]]) };
}

/** The InboundMail again, on the calling thread. */
export function fromWire(wire: WireMail): InboundMail {
  const entries: [string, string][] = [];
  for (const [name, values] of wire.headers) for (const value of values) entries.push([name, value]);
  return {
    ...wire,
    headers: new MailHeaders(entries),
    attachments: wire.attachments.map((a) => ({ ...a, content: a.content ? Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) : null })),
  };
}
