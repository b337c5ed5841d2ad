import type { NoTicketReason } from '../api/types';

/**
 * How the pane makes a ticket of an email without one, by the lookup's reason:
 * - none: a dead-lettered email already failed to parse; an admin replays it instead;
 * - copy_from_outlook: the server cannot read the mailbox, so the pane sends the email's content and the agent
 *   names the linked mailbox that answers;
 * - ask_server: the mailbox is linked, so the server reads the email from Graph itself (and answers 422
 *   reply_mailbox_required / 404 message_not_found when it cannot, which turns into copy_from_outlook).
 */
export type CreationPlan = 'none' | 'copy_from_outlook' | 'ask_server';

export function creationPlan(reason: NoTicketReason): CreationPlan {
  switch (reason) {
    case 'dead_letter':
      return 'none';
    case 'mailbox_not_linked':
      return 'copy_from_outlook';
    default:
      return 'ask_server';
  }
}
