import { senderBurstLimits, senderSuppression, type SenderBurstOptions } from '../sender-burst-policy';
import type { Filter } from './context';

/**
 * Applies the sender-burst policy (sender-burst-policy.ts) to each message; the ingest step blocks a sender
 * who burst.
 *
 * Except a reply to a ticket from its requester or one of its CCs, which is never suppressed here: From is
 * easy to forge, and a burst sent in a customer's name must not silence the customer on their own ticket.
 * So threading runs before this filter.
 */

export function createSenderBurstFilter(options: SenderBurstOptions = {}): Filter {
  const limits = senderBurstLimits(options);
  return {
    name: 'sender-burst',
    async run(ctx, env) {
      const from = ctx.mail.from?.address;
      if (!from) return; // participants suppresses mail without a sender
      if (ctx.thread && (await env.isOnTicket(ctx.thread.ticketId, from))) return;
      const activity = await env.senderActivity(from, limits.windowMs, limits.limit);
      const suppression = senderSuppression(activity, env.now, limits);
      if (suppression) ctx.suppressed = suppression;
    },
  };
}

export const senderBurst: Filter = createSenderBurstFilter();
