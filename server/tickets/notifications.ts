import type { UserRow } from '../store/schema';

/** Local parts that never read mail: acknowledging them only feeds loops. */
const UNATTENDED_LOCAL_PART = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-].*)?$/i;

/**
 * Whether Relaydesk may email this person at all: not an address that bounced, not a sender blocked for
 * bursting, not a robot address.
 */
export function mayEmail(user: Pick<UserRow, 'email' | 'undeliverable_reason' | 'blocked_until'>, now = new Date()): boolean {
  if (user.undeliverable_reason) return false;
  if (user.blocked_until && user.blocked_until > now.toISOString()) return false;
  const local = user.email.split('@')[0] ?? '';
  return !UNATTENDED_LOCAL_PART.test(local);
}
