import type { NoTicketReason } from '../api/types';

/**
 * Why an email has no ticket, in words an agent understands. The server sends a reason code and a detail
 * (server/tickets/lookup.ts); the pane never shows a bare code as the explanation. Plain data, no DOM.
 */

export interface ReasonText {
  title: string;
  explanation: string;
}

/** The suppression reasons of the inbound filters (server/inbound/filters/context.ts), as sentences. */
const SUPPRESSED: Record<string, string> = {
  auto_response: 'it is an automatic reply (an out-of-office, an auto-responder or a delivery report)',
  mail_loop: 'it came from another mailbox linked to Relaydesk, which would start a mail loop',
  own_notification: "it is one of Relaydesk's own notifications coming back",
  bounce_unmatched: 'it is a delivery failure report that matches no email Relaydesk sent',
  sender_blocked: 'the sender is blocked for a while after sending too many emails',
  sender_burst: 'the sender sent too many emails in a short time',
  no_sender: 'it has no usable From address',
};

const MAILBOX_STATES: Record<string, string> = {
  paused: 'paused by an admin',
  needs_reauth: 'waiting to be re-authorized by an admin',
  pending: 'waiting for its owner to consent',
};

function when(iso: string | null): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date.toLocaleString();
}

export function reasonText(reason: NoTicketReason, detail: string | null): ReasonText {
  switch (reason) {
    case 'unknown_message':
      return {
        title: 'Not a helpdesk email',
        explanation: 'Relaydesk has no record of this email. It is not in a linked support mailbox, or it arrived before the mailbox was linked.',
      };
    case 'mailbox_not_linked':
      return {
        title: 'Mailbox not linked',
        explanation: `${detail ?? 'This mailbox'} is not linked to Relaydesk, so its email does not become tickets. An admin can link it under Mailboxes.`,
      };
    case 'mailbox_not_syncing':
      return {
        title: 'Mailbox not syncing',
        explanation: `The mailbox is ${MAILBOX_STATES[detail ?? ''] ?? detail ?? 'not active'}, so new email is not picked up until an admin fixes it.`,
      };
    case 'waiting_for_sync': {
      const last = when(detail);
      return {
        title: 'Waiting for the next sync',
        explanation: `Relaydesk has not picked this email up yet; it becomes a ticket at the next sync${last ? ` (last sync ${last})` : ''}.`,
      };
    }
    case 'read_before_sync': {
      const last = when(detail);
      return {
        title: 'Read before Relaydesk saw it',
        explanation: `This email was already read when Relaydesk synced${last ? ` (${last})` : ''}. Only unread email becomes a ticket: mark it unread to have it picked up.`,
      };
    }
    case 'suppressed': {
      const code = (detail ?? '').split(':')[0]?.trim() ?? '';
      return {
        title: 'No ticket by design',
        explanation: `Relaydesk did not make a ticket because ${SUPPRESSED[code] ?? 'a filter set it aside'}.`,
      };
    }
    case 'dead_letter':
      return {
        title: 'Could not be processed',
        explanation: 'Relaydesk could not read this email (it is malformed or too large). An admin can replay it from the dead letters.',
      };
  }
}
