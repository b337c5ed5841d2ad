import type { Filter } from './context';

/**
 * One sender flooding the helpdesk (a script, a misconfigured printer, a loop with a mail system that sets no
 * auto-reply headers) would otherwise make a ticket per message. Past the limit the message is suppressed as
 * `sender_burst` and the ingest step blocks the sender for SENDER_BLOCK_MS; while blocked, everything from them
 * is suppressed as `sender_blocked`.
 *
 * Except a reply to a ticket from its requester or one of its CCs, which is never suppressed here: From is
 * easy to forge, and a burst sent in a customer's name must not silence the customer on their own ticket.
 * So threading runs before this filter.
 */

/** Zendesk's figure: more than 20 messages in 10 minutes is not a person typing. */
export const SENDER_BURST_LIMIT = 20;
export const SENDER_BURST_WINDOW_MS = 10 * 60 * 1000;
/** How long the ingest step blocks a sender who burst. */
export const SENDER_BLOCK_MS = 60 * 60 * 1000;

export interface SenderBurstOptions {
  /** Messages allowed in the window; the next one is a burst. A positive integer. */
  limit?: number;
  /** Milliseconds; a positive integer. */
  windowMs?: number;
}

export function createSenderBurstFilter(options: SenderBurstOptions = {}): Filter {
  const limit = positiveInteger('limit', options.limit, SENDER_BURST_LIMIT);
  const windowMs = positiveInteger('windowMs', options.windowMs, SENDER_BURST_WINDOW_MS);
  return {
    name: 'sender-burst',
    async run(ctx, env) {
      const from = ctx.mail.from?.address;
      if (!from) return; // participants suppresses mail without a sender
      if (ctx.thread && (await env.isOnTicket(ctx.thread.ticketId, from))) return;
      const activity = await env.senderActivity(from, windowMs, limit);
      const blockedUntil = activity.blockedUntil === null ? NaN : Date.parse(activity.blockedUntil);
      if (blockedUntil > env.now.getTime()) {
        ctx.suppressed = { reason: 'sender_blocked', detail: `until=${new Date(blockedUntil).toISOString()}` };
      } else if (activity.recentMessages >= limit) {
        ctx.suppressed = { reason: 'sender_burst', detail: `recent=${activity.recentMessages} limit=${limit} window_ms=${windowMs}` };
      }
    },
  };
}

/** 0, NaN or '20' must not silently turn the limit off. */
function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`sender-burst ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export const senderBurst: Filter = createSenderBurstFilter();
