import type { Filter } from './context';
import { authenticationResults } from './authentication-results';
import { autoResponse } from './auto-response';
import { bounce } from './bounce';
import { ownNotification } from './own-notification';
import { participants } from './participants';
import { replyText } from './reply-text';
import type { SenderBurstOptions } from '../sender-burst-policy';
import { createSenderBurstFilter, senderBurst } from './sender-burst';
import { threading } from './threading';
import { trustedHeaders } from './trusted-headers';

/**
 * The filter pipeline, in order. The pipeline stops at the first filter that suppresses the message or finds
 * it to be a bounce, so the order is policy:
 *
 * 1. trusted-headers first: every later filter reads ctx.relaydesk, which must never hold a spoofed header.
 * 2. own-notification before everything that could act on the mail: our own notification coming back has an
 *    In-Reply-To of a ticket's message, so threading would post it onto the ticket (and notify again: a loop).
 * 3. bounce before auto-response: delivery reports carry Auto-Submitted and come from mailer-daemon@, so
 *    auto-response would suppress every bounce and none would reach its ticket or flag the dead address.
 * 4. auto-response before sender-burst: an out-of-office storm is an auto-response (the precise reason), and
 *    a person's autoresponder must not get the person blocked for an hour.
 * 5. authentication-results before sender-burst: a burst whose From failed authentication is someone else
 *    writing in that name, and the ingest step must know so before it blocks the address.
 * 6. threading before sender-burst: a reply from the ticket's own requester or CC is never burst-suppressed,
 *    so a forged flood in a customer's name cannot cut the customer off from their ticket.
 * 7. participants (no From -> no_sender), then reply-text, which needs ctx.thread.
 */
export const FILTERS: readonly Filter[] = Object.freeze([
  trustedHeaders,
  ownNotification,
  bounce,
  autoResponse,
  authenticationResults,
  threading,
  senderBurst,
  participants,
  replyText,
]);

/** FILTERS with the sender-burst limits an operator configured. */
export function filtersWith(options: { burst?: SenderBurstOptions }): readonly Filter[] {
  if (!options.burst) return FILTERS;
  const burst = createSenderBurstFilter(options.burst);
  return Object.freeze(FILTERS.map((f) => (f === senderBurst ? burst : f)));
}
