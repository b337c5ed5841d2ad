/**
 * Message-IDs, in the one form Relaydesk records and looks them up by: `<id-left@id-right>`, no white space,
 * no comments. Ingest and `GET /api/lookup` both go through here, so an email recorded under one spelling
 * is found under any other: the task pane asks with the id Outlook reports, which is Exchange's.
 *
 * The shapes seen in real mail: `<a@b>` (RFC 5322), a bare `a@b` (sloppy clients), and RFC 822's obsolete
 * syntax with comments and folding white space (`<a . b @ c> (added by x)`). Everything here is a single
 * linear scan with indexOf, never a regular expression with nested repetition: these are sender-controlled.
 */

/** RFC 5322 caps a line at 998 characters; a longer "id" is not one, and must not cost more than that. */
export const MAX_MESSAGE_ID_CHARS = 998;
/** Ids read from one header (References lists the whole thread; threading keeps the latest 50). */
export const MAX_IDS_PER_HEADER = 500;

/** The canonical form of one Message-ID, or null when `value` holds none. */
export function normalizeMessageId(value: string): string | null {
  return messageIdsIn(value, 1)[0] ?? null;
}

/** Every Message-ID in a header value (In-Reply-To, References), in order, de-duplicated, canonical. */
export function messageIdsIn(value: string, max = MAX_IDS_PER_HEADER): string[] {
  const text = withoutComments(value);
  const found = new Set<string>();
  let open = text.indexOf('<');
  while (open >= 0 && found.size < max) {
    const close = text.indexOf('>', open + 1);
    if (close < 0) break;
    // A '<' never closed before this '>' does not start an id; the last one does. Each character is
    // scanned a bounded number of times, however many '<' the sender wrote.
    const start = text.lastIndexOf('<', close);
    const id = compact(text.slice(start + 1, close));
    if (id && id.length <= MAX_MESSAGE_ID_CHARS) found.add(`<${id}>`);
    open = text.indexOf('<', close + 1);
  }
  if (found.size === 0 && !text.includes('<')) {
    const bare = compact(text);
    if (bare.length <= MAX_MESSAGE_ID_CHARS && isBareId(bare)) found.add(`<${bare}>`);
  }
  return [...found];
}

/** RFC 822 comments `( ... )`, nested and with `\)` escapes, replaced by a space; an unclosed one runs to the end. */
function withoutComments(value: string): string {
  if (!value.includes('(')) return value;
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) out += ' ';
    } else if (c === '(') depth = 1;
    else out += c;
  }
  return out;
}

/** White space (folding, or obsolete CFWS around `.` and `@`) and NULs removed. */
function compact(id: string): string {
  let out = '';
  for (const c of id) if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n' && c !== '\0') out += c;
  return out;
}

/** `a@b` with one '@' and something on each side. */
function isBareId(value: string): boolean {
  const at = value.indexOf('@');
  return at > 0 && at < value.length - 1 && value.indexOf('@', at + 1) < 0 && !value.includes('>');
}
