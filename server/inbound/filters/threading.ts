import type { Filter, ThreadMatch } from './context';
import { findReference } from '../../tickets/reference';

/**
 * Which ticket a message answers, strongest evidence first: In-Reply-To and References name Message-IDs we
 * recorded (mail we received or sent); failing that, the `[RD:1A-7QX2K]` reference we put in every subject and
 * body, which survives clients that drop the headers. The reference's random tag is checked by the
 * environment, so a stranger cannot post onto ticket 42 by guessing. Replies to closed tickets are matched
 * too; the ingest step turns them into follow-up tickets.
 */
export const threading: Filter = {
  name: 'threading',
  async run(ctx, env) {
    const { mail } = ctx;
    // References lists the oldest first; the newest is the likeliest to be one of ours.
    const byHeaders: [ThreadMatch, readonly string[]][] = [
      ['in_reply_to', mail.inReplyTo],
      ['references', [...mail.references].reverse()],
    ];
    for (const [matchedBy, ids] of byHeaders) {
      if (ids.length === 0) continue;
      const match = await env.ticketForMessageIds(ids);
      if (match) {
        ctx.thread = { ticketId: match.ticketId, matchedBy };
        return;
      }
    }
    const byReference: [ThreadMatch, string][] = [
      ['subject_reference', mail.subject],
      ['body_reference', mail.text],
    ];
    for (const [matchedBy, text] of byReference) {
      const reference = findReference(text);
      if (!reference) continue;
      const match = await env.ticketForReference(reference);
      if (match) {
        ctx.thread = { ticketId: match.ticketId, matchedBy };
        return;
      }
    }
  },
};
