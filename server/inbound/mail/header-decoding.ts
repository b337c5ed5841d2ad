import { cleanText, MailHeaders } from '../inbound-mail';

/**
 * Header fields as a sender wrote them -> MailHeaders: unfolded, RFC 2047 words decoded, and bounded, since a
 * header block is as hostile as the rest of the message. Both the MIME and the Graph JSON path build their
 * headers here. (Raw 8-bit header bytes are decoded before this, in header-charset.ts.)
 */

/** Header fields kept per message; Exchange itself refuses header blocks past 256 KB. */
export const MAX_HEADER_FIELDS = 1000;
/** A longer header value is cut here (DKIM signatures and long References stay far below it). */
export const MAX_HEADER_VALUE_CHARS = 64 * 1024;
/** RFC 2047 encoded words decoded per header value; the rest stay as they are. */
export const MAX_ENCODED_WORDS = 256;

/** Raw header lines (folded, maybe with RFC 2047 words) -> MailHeaders in message order. */
export function headersFromLines(lines: readonly { line: string }[]): MailHeaders {
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
