import { createHash } from 'node:crypto';
import type { MailAddress } from '../inbound-mail';
import { cleanText } from '../inbound-mail';

/**
 * Field normalisation shared by both ways a message arrives (mime-to-inbound.ts and graph-to-inbound.ts), so
 * that a message reads the same whichever way it was fetched.
 */

/** Threading looks these up in the database; a References header with thousands of ids must not become one query. */
export const MAX_REFERENCES = 50;
/** `.invalid` (RFC 2606) can never be a real domain, so a synthetic id cannot collide with anyone's real one. */
export const SYNTHESIZED_MESSAGE_ID_DOMAIN = 'synthesized.relaydesk.invalid';
/** `omittedReason` of an attachment whose content was over the size cap. */
export const ATTACHMENT_OVER_SIZE_CAP = 'over_size_cap';

/** Lower-cased address and trimmed name; null for anything that is not an address (groups, `undisclosed-recipients`). */
export function normalizeAddress(address: string | null | undefined, name: string | null | undefined): MailAddress | null {
  const normalized = cleanText(address ?? '').trim().toLowerCase();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(normalized)) return null;
  const display = cleanText(name ?? '').trim().replace(/^"(.*)"$/, '$1').trim();
  return { address: normalized, name: display && display.toLowerCase() !== normalized ? display : null };
}

/** A stable Message-ID for mail that has none: the same input always gives the same id, so it dedupes. */
export function synthesizeMessageId(parts: readonly (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return `<${hash.digest('hex').slice(0, 40)}@${SYNTHESIZED_MESSAGE_ID_DOMAIN}>`;
}

/** The most recent references (the header lists the oldest first). */
export function lastReferences(ids: string[]): string[] {
  return ids.length > MAX_REFERENCES ? ids.slice(-MAX_REFERENCES) : ids;
}

export function parseDateHeader(value: string | undefined): string | null {
  if (!value) return null;
  // Trailing comments such as `(UTC)` or `(Pacific Standard Time)` are legal and confuse Date.parse.
  const time = Date.parse(value.replace(/\([^()]*\)/g, ' ').trim());
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}
