import { isOurMessageId } from '../../tickets/our-mail-marks';
import type { Filter } from './context';

/**
 * Mail we sent coming back to us: a notification that reached a linked mailbox because it was CC'd or forwarded,
 * a customer's server reflecting it, or an agent mailing one linked address from another (or itself). Making
 * a comment of it would notify again, which comes back again: a loop. Runs right after trusted-headers and
 * before threading, which would otherwise happily thread our own notification onto its ticket.
 */
export const ownNotification: Filter = {
  name: 'own-notification',
  run(ctx, env) {
    const { mail } = ctx;
    if (isOurMessageId(mail.internetMessageId, env.messageIdDomain)) {
      ctx.suppressed = { reason: 'own_notification', detail: 'message_id_domain' };
      return;
    }
    if (ctx.relaydesk.emailId !== null) {
      ctx.suppressed = { reason: 'own_notification', detail: 'relaydesk_headers' };
      return;
    }
    // Sender too: a mailbox "sending on behalf of" a linked address is still that linked address writing.
    for (const [field, address] of [['from', mail.from?.address], ['sender', mail.sender?.address]] as const) {
      if (address && env.linkedAddresses.has(address)) {
        ctx.suppressed = { reason: 'mail_loop', detail: `${field}_linked_mailbox` };
        return;
      }
    }
  },
};
