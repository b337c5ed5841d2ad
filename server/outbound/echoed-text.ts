/**
 * What an automatic email repeats of a stranger's input. Anyone can write to a support address with someone
 * else's address in From, and the acknowledgement then carries their words to that person from the company's
 * own domain: a spammer's subject line, or a display name such as "paypal.com support" that a mail client turns
 * into a link. So the acknowledgement echoes a bounded subject and never a name that reads as a web address.
 */

/** Characters of the customer's subject an acknowledgement repeats, the ellipsis included. */
export const MAX_ECHOED_SUBJECT_CHARS = 120;
const ELLIPSIS = '…';
/** A longer "name" is a message, not a name. */
const MAX_ECHOED_NAME_CHARS = 64;

/** The subject cut to MAX_ECHOED_SUBJECT_CHARS code points (never inside a surrogate pair), with an ellipsis when cut. */
export function echoedSubject(subject: string): string {
  const chars = [...subject];
  if (chars.length <= MAX_ECHOED_SUBJECT_CHARS) return subject;
  return `${chars.slice(0, MAX_ECHOED_SUBJECT_CHARS - 1).join('').trimEnd()}${ELLIPSIS}`;
}

/** The name to greet someone by: the display name, else the address's local part, else nothing, whichever looks like no link. */
export function echoedName(name: string | null, address: string | null): string | null {
  const local = address === null ? '' : address.slice(0, Math.max(0, address.lastIndexOf('@')));
  for (const candidate of [name?.trim() ?? '', local]) {
    if (candidate !== '' && [...candidate].length <= MAX_ECHOED_NAME_CHARS && !looksLikeLink(candidate)) return candidate;
  }
  return null;
}

/**
 * A URL (`http://x`, `mailto:`), an address, or a dotted domain-like token (`www.evil.example`, `paypal.com`,
 * also with the full-width and ideographic dots that clients treat as dots): what mail clients linkify.
 */
export function looksLikeLink(text: string): boolean {
  if (text.includes('://') || text.includes('@') || /\b(?:mailto|https?|www)\b/i.test(text)) return true;
  return /[\p{L}\p{N}][.\u3002\uFF0E\uFF61][\p{L}\p{N}]/u.test(text);
}
