import type { Filter } from './context';
import { extractReplyText } from '../mail/reply-text';

/**
 * The comment text. A reply to a ticket keeps only what the sender wrote above our delimiter or their client's
 * quote (the quoted original is already on the ticket); a new ticket keeps the whole body. The full original
 * stays on the message either way (mail.text / mail.html).
 */
export const replyText: Filter = {
  name: 'reply-text',
  run(ctx) {
    ctx.replyText = ctx.thread ? extractReplyText(ctx.mail.text) : ctx.mail.text;
  },
};
