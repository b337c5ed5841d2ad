import type { Filter } from './context';

/**
 * Relaydesk marks its outgoing mail with X-Relaydesk-From-Account-Id and X-Relaydesk-Email-Id. Anyone can write
 * those headers into a mail, so they are believed only when the message also carries our own Message-ID AND the
 * outbox row they name was sent with exactly that Message-ID. Otherwise they are ignored, and later filters only
 * ever read ctx.relaydesk, never the raw headers.
 */

export const ACCOUNT_ID_HEADER = 'X-Relaydesk-From-Account-Id';
export const EMAIL_ID_HEADER = 'X-Relaydesk-Email-Id';

/** Whether a Message-ID (`<local@domain>`) was minted by us, i.e. its domain is our Message-ID domain. */
export function isOurMessageId(messageId: string, messageIdDomain: string): boolean {
  const domain = /@([^@<>\s]+)>?$/.exec(messageId.trim())?.[1];
  return domain !== undefined && messageIdDomain !== '' && domain.toLowerCase() === messageIdDomain.toLowerCase();
}

export const trustedHeaders: Filter = {
  name: 'trusted-headers',
  async run(ctx, env) {
    ctx.relaydesk = { fromAccountId: null, emailId: null };
    const { headers, internetMessageId } = ctx.mail;
    const emailIds = headers.getAll(EMAIL_ID_HEADER);
    const accountIds = headers.getAll(ACCOUNT_ID_HEADER);
    // We write each header once; a second copy means someone added their own next to (or instead of) ours.
    if (emailIds.length !== 1 || accountIds.length > 1) return;
    const emailId = emailIds[0]?.trim() ?? '';
    if (!emailId || !isOurMessageId(internetMessageId, env.messageIdDomain)) return;
    if (!(await env.outboxEmailExists(emailId, internetMessageId))) return;
    ctx.relaydesk = { fromAccountId: accountIds[0]?.trim() || null, emailId };
  },
};
