import { randomInt } from 'node:crypto';

/**
 * A ticket's short reference, e.g. `1A-7QX2K`: the ticket number in Crockford base32 and a random tag.
 * It goes into outgoing subjects and bodies as `[RD:1A-7QX2K]` so that a reply whose headers were stripped
 * still finds its ticket. The random tag means a stranger cannot post onto ticket 42 by guessing `[RD:1A]`.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TAG_LENGTH = 5;
const REFERENCE_IN_TEXT = /\[RD:([0-9A-HJKMNP-TV-Z]{1,13}-[0-9A-HJKMNP-TV-Z]{5})\]/i;

export function encodeTicketNumber(id: number): string {
  if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`Not a ticket number: ${id}`);
  let out = '';
  for (let n = id; n > 0; n = Math.floor(n / 32)) out = ALPHABET[n % 32] + out;
  return out;
}

export function decodeTicketNumber(encoded: string): number {
  let n = 0;
  for (const ch of encoded.toUpperCase()) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) throw new RangeError(`Not a ticket reference: ${encoded}`);
    n = n * 32 + digit;
  }
  return n;
}

export function newReferenceTag(): string {
  let tag = '';
  for (let i = 0; i < TAG_LENGTH; i++) tag += ALPHABET[randomInt(32)];
  return tag;
}

export function ticketReference(id: number, tag: string): string {
  return `${encodeTicketNumber(id)}-${tag}`;
}

export function referenceToken(reference: string): string {
  return `[RD:${reference}]`;
}

/** The first reference token found in a subject or body, normalised to upper case. */
export function findReference(text: string): string | undefined {
  return REFERENCE_IN_TEXT.exec(text)?.[1]?.toUpperCase();
}

/** Splits a reference into the ticket number and tag; undefined when it is not one of ours. */
export function parseReference(reference: string): { ticketId: number; tag: string } | undefined {
  const match = /^([0-9A-HJKMNP-TV-Z]{1,13})-([0-9A-HJKMNP-TV-Z]{5})$/i.exec(reference);
  if (!match?.[1] || !match[2]) return undefined;
  const ticketId = decodeTicketNumber(match[1]);
  return Number.isSafeInteger(ticketId) && ticketId > 0 ? { ticketId, tag: match[2].toUpperCase() } : undefined;
}
