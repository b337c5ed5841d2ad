import type { FilterContext } from './filters/context';

/**
 * The sender-burst policy: its numbers, its defaults and its decisions. One sender flooding the helpdesk (a
 * script, a misconfigured printer, a loop with a mail system that sets no auto-reply headers) would otherwise
 * make a ticket per message. Past the limit the message is suppressed as `sender_burst` and the sender is
 * blocked for a while; while blocked, everything from them is suppressed as `sender_blocked`.
 *
 * The sender-burst filter, the ingest step, the sync's defaults and the config all read it from here.
 */

/** Zendesk's figure: more than 20 messages in 10 minutes is not a person typing. */
export const SENDER_BURST_LIMIT = 20;
export const SENDER_BURST_WINDOW_MS = 10 * 60 * 1000;
/** How long a sender who burst is blocked (SENDER_BLOCK_MINUTES overrides it). */
export const SENDER_BLOCK_MS = 60 * 60 * 1000;

export interface SenderBurstLimits {
  /** Messages allowed in the window; the next one is a burst. */
  readonly limit: number;
  readonly windowMs: number;
}

/** Limits as an operator or a test configures them; what is left out takes the default. */
export interface SenderBurstOptions {
  /** A positive integer. */
  limit?: number;
  /** Milliseconds; a positive integer. */
  windowMs?: number;
}

/** The limits to apply: defaults filled in, and 0, NaN or '20' refused rather than silently turning the limit off. */
export function senderBurstLimits(options: SenderBurstOptions = {}): SenderBurstLimits {
  return {
    limit: positiveInteger('limit', options.limit, SENDER_BURST_LIMIT),
    windowMs: positiveInteger('windowMs', options.windowMs, SENDER_BURST_WINDOW_MS),
  };
}

/** What the store knows of a sender: blocked until when, and how many messages in the window before this one. */
export interface SenderActivity {
  blockedUntil: string | null;
  recentMessages: number;
}

/** Why a message from this sender makes no ticket, or null when it may: a block first, then the burst count. */
export function senderSuppression(activity: SenderActivity, now: Date, limits: SenderBurstLimits): { reason: 'sender_blocked' | 'sender_burst'; detail: string } | null {
  const blockedUntil = activity.blockedUntil === null ? NaN : Date.parse(activity.blockedUntil);
  if (blockedUntil > now.getTime()) return { reason: 'sender_blocked', detail: `until=${new Date(blockedUntil).toISOString()}` };
  if (activity.recentMessages >= limits.limit) {
    return { reason: 'sender_burst', detail: `recent=${activity.recentMessages} limit=${limits.limit} window_ms=${limits.windowMs}` };
  }
  return null;
}

/**
 * Until when recording this message blocks its sender, or null when it blocks nobody. Only a burst blocks, and
 * only when its From passed authentication: a burst sent in someone else's name would otherwise let anyone
 * silence anyone (each such message is still suppressed by the count).
 */
export function senderBlockedUntil(ctx: Pick<FilterContext, 'suppressed' | 'senderAuthFailure'>, now: Date, blockMs: number): string | null {
  if (ctx.suppressed?.reason !== 'sender_burst' || ctx.senderAuthFailure !== null) return null;
  return new Date(now.getTime() + blockMs).toISOString();
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`sender-burst ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
