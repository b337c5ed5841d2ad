import { REPLY_DELIMITERS } from '../../tickets/reply-delimiter';

/**
 * The new text of an email reply: what the sender wrote above our reply delimiter or, when the delimiter did not
 * survive (a client that re-formats quotes, a reply to someone else's copy), above the quote header that their
 * mail client put in front of the quoted message. Never empty when the body is not: when nothing is left above
 * the cut (a bottom-posted reply, a message that starts with a quote), the whole text is the reply.
 */
export function extractReplyText(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const delimiter = lines.findIndex(isDelimiterLine);
  let cut: number;
  if (delimiter >= 0) {
    // Above our delimiter is the customer's text, but their client's quote header ("On ... wrote:", Outlook's
    // From/Sent block) sits between it and the quoted delimiter. Lines starting with `>` above the delimiter
    // are the customer quoting something on purpose, so they stay.
    const header = firstQuoteHeader(lines.slice(0, delimiter), false);
    cut = header >= 0 ? header : delimiter;
  } else {
    cut = firstQuoteHeader(lines, true);
  }
  const reply = withoutTrailingNoise(cut >= 0 ? lines.slice(0, cut) : lines).join('\n').trim();
  return reply || body.trim();
}

/** Every language's delimiter: a mailbox's language can change while replies to older mail still come in. */
const DELIMITERS_LOWER = Object.values(REPLY_DELIMITERS).map((d) => d.toLowerCase());
/** What every delimiter contains, checked first so that most lines cost one search, not a copy per language. */
const DELIMITER_MARK = '##-';

function isDelimiterLine(line: string): boolean {
  if (!line.includes(DELIMITER_MARK)) return false;
  const lower = line.toLowerCase();
  return DELIMITERS_LOWER.some((d) => lower.includes(d));
}

/** How many lines a wrapped "On <date>, <name> <address> wrote:" may span (Gmail wraps long ones in plain text). */
const MAX_ATTRIBUTION_LINES = 3;
/** How far below Outlook's `From:` line its `Sent:` line may come (a `To:` or `Cc:` can come in between). */
const MAX_OUTLOOK_HEADER_GAP = 4;

// English first; the others are the languages whose clients our customers use most (German, French, Spanish,
// Dutch, Italian, Portuguese, Scandinavian).
const ATTRIBUTION_START = /^\s*(on|am|le|el|op|il|em|den|det)\s/i;
// The verb ends the line in English ("... wrote:") but comes before the name in German ("... schrieb Name:").
const ATTRIBUTION_VERBS: readonly string[] = ['wrote', 'schrieb', 'a écrit', 'escribió', 'schreef', 'ha scritto', 'escreveu', 'skrev'];
/** Characters an attribution may have before its verb (date, name, address) and after it (German: the name). */
const MAX_BEFORE_VERB = 401;
const MAX_AFTER_VERB = 301;
const OUTLOOK_FROM = /^\s*\*?(from|von|de|van|da|från|fra)\s*:\*?\s*\S/i;
const OUTLOOK_SENT = /^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|verzonden|inviato|skickat|sendt)\s*:\*?\s*\S/i;
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht|messaggio originale|originalmeddelande)\s*-{2,}\s*$/i;
const SEPARATOR = /^\s*(_{5,}|-{5,})\s*$/;
const QUOTED = /^\s*>/;

/** Index of the first line that starts the quoted original, or -1. */
function firstQuoteHeader(lines: readonly string[], quotedLinesCount: boolean): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (quotedLinesCount && QUOTED.test(line)) return i;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (ATTRIBUTION_START.test(line) && isAttribution(lines, i)) return i;
    if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 1 + MAX_OUTLOOK_HEADER_GAP).some((next) => OUTLOOK_SENT.test(next))) {
      // Outlook draws a line of underscores above the block; it belongs to the quote, not to the reply.
      let start = i;
      while (start > 0 && ((lines[start - 1] ?? '').trim() === '' || SEPARATOR.test(lines[start - 1] ?? ''))) start--;
      return lines.slice(start, i).some((l) => SEPARATOR.test(l)) ? start : i;
    }
  }
  return -1;
}

function isAttribution(lines: readonly string[], start: number): boolean {
  for (let n = 1; n <= MAX_ATTRIBUTION_LINES && start + n <= lines.length; n++) {
    if (isAttributionText(lines.slice(start, start + n).join(' '))) return true;
  }
  return false;
}

/**
 * `<text> <verb>[ <text>] :` with at most MAX_BEFORE_VERB characters before the verb and MAX_AFTER_VERB after it.
 * Scanned by hand rather than with one regex: a pattern with bounded `.{0,400}` runs around a word backtracks
 * hundreds of thousands of times per line of a hostile body, and this runs on every line that starts like one.
 */
function isAttributionText(text: string): boolean {
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith(':')) return false;
  const body = trimmed.slice(0, -1).trimEnd();
  const lead = body.length - body.trimStart().length;
  // The verb follows a white-space character that follows 1..MAX_BEFORE_VERB characters of text.
  const last = Math.min(body.length - 1, lead + MAX_BEFORE_VERB);
  for (let space = lead + 1; space <= last; space++) {
    if (!isSpace(body[space] ?? '')) continue;
    for (const verb of ATTRIBUTION_VERBS) {
      const end = space + 1 + verb.length;
      if (body.slice(space + 1, end).toLowerCase() !== verb) continue;
      const tail = body.length - end;
      if (tail === 0 || (tail <= MAX_AFTER_VERB && isSpace(body[end] ?? ''))) return true;
    }
  }
  return false;
}

function isSpace(char: string): boolean {
  return char !== '' && char.trim() === '';
}

/** Blank lines, lone `>` and separator lines left hanging at the end of the cut. */
function withoutTrailingNoise(lines: readonly string[]): readonly string[] {
  let end = lines.length;
  while (end > 0 && /^[\s>]*$|^\s*(_{5,}|-{5,})\s*$/.test(lines[end - 1] ?? '')) end--;
  return lines.slice(0, end);
}
