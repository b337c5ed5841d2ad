import { MAX_CCS } from '../../tickets/participants';
import type { Filter } from './context';
import type { MailAddress } from '../inbound-mail';

/**
 * Who the ticket is for and who else hears about it.
 *
 * Requester: From. Reply-To replaces it only when it is a single address in From's domain (a colleague, a team
 * address, a web form on the sender's own site). A Reply-To in another domain is ignored: it would hand the
 * ticket, and every reply with the agent's answer, to a third party the From address never vouched for.
 *
 * CCs: To then Cc, minus linked mailboxes (mail to them would loop back), minus the requester, de-duplicated,
 * at most MAX_CCS; the rest are listed in ctx.droppedCcs. Agents on the email follow the ticket instead (they
 * see internal notes; CCs are customers) and do not count against the cap.
 */

/** Recipients examined at all: each costs a lookup, and a message to thousands of addresses is a list explosion. */
export const MAX_RECIPIENTS_EXAMINED = 200;

export const participants: Filter = {
  name: 'participants',
  async run(ctx, env) {
    const { mail } = ctx;
    if (!mail.from) {
      ctx.suppressed = { reason: 'no_sender', detail: 'no_from_address' };
      return;
    }
    const requester = requesterOf(mail.from, mail.replyTo, env.linkedAddresses);
    ctx.requester = requester;

    const seen = new Set<string>([requester.address, ...env.linkedAddresses]);
    const ccs: MailAddress[] = [];
    const followers = new Set<number>();
    const dropped: string[] = [];
    let examined = 0;
    for (const recipient of [...mail.to, ...mail.cc]) {
      if (seen.has(recipient.address)) continue;
      seen.add(recipient.address);
      if (++examined > MAX_RECIPIENTS_EXAMINED) {
        dropped.push(recipient.address);
        continue;
      }
      const agentId = await env.agentIdForAddress(recipient.address);
      if (agentId !== null) followers.add(agentId);
      else if (ccs.length < MAX_CCS) ccs.push(recipient);
      else dropped.push(recipient.address);
    }
    ctx.ccs = ccs;
    ctx.followers = [...followers];
    ctx.droppedCcs = dropped;
  },
};

export function requesterOf(from: MailAddress, replyTo: readonly MailAddress[], linkedAddresses: ReadonlySet<string>): MailAddress {
  const only = replyTo.length === 1 ? replyTo[0] : undefined;
  if (!only || linkedAddresses.has(only.address) || domainOf(only.address) !== domainOf(from.address)) return from;
  return { address: only.address, name: only.name ?? (only.address === from.address ? from.name : null) };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
