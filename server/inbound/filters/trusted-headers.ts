import { isOurMessageId, RELAYDESK_HEADERS } from '../../tickets/our-mail-marks';
import type { Filter } from './context';

/**
 * Relaydesk marks its outgoing mail with X-Relaydesk-From-Account-Id and X-Relaydesk-Email-Id. Anyone can write
 * those headers into a mail, so they are believed only when the message also carries our own Message-ID AND the
 * outbox row they name was sent with exactly that Message-ID. Otherwise they are ignored, and later filters only
 * ever read ctx.relaydesk, never the raw headers.
 */

export const trustedHeaders: Filter = {
  name: 'trusted-headers',
  async run(ctx, env) {
    ctx.relaydesk = { fromAccountId: null, emailId: null };
    const { headers, internetMessageId } = ctx.mail;
    const emailIds = headers.getAll(RELAYDESK_HEADERS.emailId);
    const accountIds = headers.getAll(RELAYDESK_HEADERS.fromAccountId);
    // We write each header once; a second copy means someone added their own next to (or instead of) ours.
    if (emailIds.length !== 1 || accountIds.length > 1) return;
    const emailId = emailIds[0]?.trim() ?? '';
    if (!emailId || !isOurMessageId(internetMessageId, env.messageIdDomain)) return;
    if (!(await env.outboxEmailExists(emailId, internetMessageId))) return;
    ctx.relaydesk = { fromAccountId: accountIds[0]?.trim() || null, emailId };
  },
};
