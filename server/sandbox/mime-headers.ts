/**
 * Byte-level edits of a raw message's header block: read the header fields (unfolded), drop fields, prepend
 * fields. The body is never touched, so what Exchange would keep byte for byte stays byte for byte.
 */

export interface HeaderField {
  name: string;
  value: string;
}

function splitHead(raw: Buffer): { head: string; bodyStart: number; eol: string } {
  // Headers are 7-bit by RFC 5322 (non-ASCII is encoded-word); latin1 maps bytes 1:1 and back.
  const limit = Math.min(raw.length, 1024 * 1024);
  const text = raw.subarray(0, limit).toString('latin1');
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { head: text.slice(0, crlf + 2), bodyStart: crlf + 4, eol: '\r\n' };
  if (lf >= 0) return { head: text.slice(0, lf + 1), bodyStart: lf + 2, eol: '\n' };
  return { head: text.endsWith('\n') ? text : `${text}\n`, bodyStart: raw.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** Each field as a list of its raw lines (first line plus folded continuation lines). */
function fieldsOf(head: string): string[][] {
  const lines = head.split(/\r?\n/);
  const out: string[][] = [];
  for (const line of lines) {
    if (line === '') continue;
    const last = out[out.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) last.push(line);
    else out.push([line]);
  }
  return out;
}

export function readHeaders(raw: Buffer): HeaderField[] {
  const { head } = splitHead(raw);
  const out: HeaderField[] = [];
  for (const field of fieldsOf(head)) {
    const joined = field.join(' ').replace(/\s+/g, ' ');
    const idx = joined.indexOf(':');
    if (idx <= 0) continue;
    out.push({ name: joined.slice(0, idx).trim(), value: Buffer.from(joined.slice(idx + 1).trim(), 'latin1').toString('utf8') });
  }
  return out;
}

export function headerValue(raw: Buffer, name: string): string | undefined {
  const lower = name.toLowerCase();
  return readHeaders(raw).find((h) => h.name.toLowerCase() === lower)?.value;
}

/** Returns a copy of the message without the named fields, with `prepend` fields added on top. */
export function rewriteHeaders(raw: Buffer, options: { remove?: string[]; prepend?: HeaderField[] }): Buffer {
  const { head, bodyStart, eol } = splitHead(raw);
  const remove = new Set((options.remove ?? []).map((n) => n.toLowerCase()));
  const kept = fieldsOf(head).filter((f) => {
    const name = (f[0] ?? '').split(':')[0]?.trim().toLowerCase() ?? '';
    return !remove.has(name);
  });
  const added = (options.prepend ?? []).map((h) => [`${h.name}: ${h.value}`]);
  const newHead = [...added, ...kept].map((f) => f.join(eol)).join(eol) + eol + eol;
  return Buffer.concat([Buffer.from(newHead, 'latin1'), raw.subarray(bodyStart)]);
}
