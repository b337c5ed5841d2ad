import { isUtf8 } from 'node:buffer';

/**
 * Raw 8-bit header bytes. RFC 5322 headers are ASCII, with RFC 2047 encoded words for anything else, and
 * RFC 6532 allows UTF-8. Real mail also carries GB2312, Shift_JIS or Windows-1252 subjects and names as
 * bare bytes, which a UTF-8 reading turns into replacement characters. Such a header block is decoded once
 * here, by its most likely charset, and handed on as UTF-8.
 */

/** The header block is read up to this many bytes (mailparser refuses larger ones anyway). */
const MAX_SCANNED_HEADER_BYTES = 1024 * 1024;
/** The body's declared charset is looked for this far into the message. */
const CHARSET_HINT_SCAN_BYTES = 64 * 1024;
/** When nothing better is known: every byte sequence decodes, and it is what most Western mailers meant. */
const FALLBACK_CHARSET = 'windows-1252';

/** `raw` with its header block re-encoded as UTF-8 when it holds 8-bit bytes that are not UTF-8. */
export function normalizeHeaderCharset(raw: Buffer): Buffer {
  const end = headerBlockEnd(raw);
  const head = raw.subarray(0, end);
  if (!hasEightBit(head) || isUtf8(head)) return raw;
  const charset = likelyCharset(head, declaredCharset(raw));
  return Buffer.concat([Buffer.from(new TextDecoder(charset).decode(head), 'utf8'), raw.subarray(end)]);
}

/**
 * The charset these bytes most likely are: the body's declared charset when it decodes them cleanly (the
 * same mailer wrote both), else what detection finds, else Windows-1252.
 */
export function likelyCharset(bytes: Uint8Array, hint: string | null): string {
  if (hint && decodesCleanly(bytes, hint)) return hint;
  const { chardet } = detector();
  const detected = chardet.detect(bytes, { encodingEra: chardet.EncodingEra.MODERN_WEB, maxBytes: CHARSET_HINT_SCAN_BYTES }).encoding;
  const label = detected ? (DETECTOR_TO_WHATWG[detected.toLowerCase()] ?? detected) : null;
  return label && decodesCleanly(bytes, label) ? label : FALLBACK_CHARSET;
}

/** The detector takes as long to load as the rest of the parser, and only rare mail needs it. */
let loaded: typeof import('jschardet') | undefined;
function detector(): typeof import('jschardet') {
  loaded ??= require('jschardet') as typeof import('jschardet');
  return loaded;
}

/** Detector names that the WHATWG decoder knows under another label. */
const DETECTOR_TO_WHATWG: Record<string, string> = { cp932: 'shift_jis', cp949: 'euc-kr', 'iso-2022-jp': 'iso-2022-jp' };

function decodesCleanly(bytes: Uint8Array, label: string): boolean {
  try {
    new TextDecoder(label, { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false; // an unknown label, or bytes that are not in that charset
  }
}

/** Where the header block ends: after the first empty line, or the whole scan window without one. */
function headerBlockEnd(raw: Buffer): number {
  const window = raw.subarray(0, MAX_SCANNED_HEADER_BYTES);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  const ends = [crlf >= 0 ? crlf + 4 : -1, lf >= 0 ? lf + 2 : -1].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : window.length;
}

function hasEightBit(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return true;
  return false;
}

/** The first `charset=` parameter in the message (the body's, or a text part's), as a hint. */
function declaredCharset(raw: Buffer): string | null {
  const text = raw.subarray(0, CHARSET_HINT_SCAN_BYTES).toString('latin1').toLowerCase();
  const at = text.indexOf('charset=');
  if (at < 0) return null;
  let value = '';
  for (let i = at + 'charset='.length; i < text.length && value.length < 40; i++) {
    const c = text[i]!;
    if (c === '"' && value === '') continue;
    if (!/[\w.:-]/.test(c)) break;
    value += c;
  }
  return value && value !== 'utf-8' && value !== 'us-ascii' ? value : null;
}
