import { ApiError, type ApiClient } from '../api/client';
import type { NoTicketReason, TicketCard } from '../api/types';
import { AuthError } from '../auth/errors';
import type { MailItem } from '../office/types';

/**
 * What the status view shows for the selected item, and how it is worked out: one lookup, which brings the
 * ticket with its CCs. Pure logic over the API client, no DOM: the component renders whatever this returns.
 */
export type StatusState =
  | { kind: 'loading' }
  | { kind: 'nothing_selected' }
  /** A plain browser tab: there is no Outlook selection to look up. */
  | { kind: 'outside_outlook' }
  | { kind: 'no_message_id'; item: MailItem }
  | { kind: 'sign_in_needed' }
  | { kind: 'ticket'; item: MailItem; ticket: TicketCard; disposition: string }
  | { kind: 'no_ticket'; item: MailItem; reason: NoTicketReason; detail: string | null }
  | { kind: 'error'; item: MailItem | null; code: string; message: string };

export async function loadStatus(item: MailItem | null, api: Pick<ApiClient, 'lookup'>): Promise<StatusState> {
  if (!item) return { kind: 'nothing_selected' };
  if (!item.internetMessageId.trim()) return { kind: 'no_message_id', item };
  try {
    const found = await api.lookup({ internetMessageId: item.internetMessageId, mailbox: item.mailbox ?? undefined, receivedAt: item.receivedAt ?? undefined });
    if (found.ticket === null) return { kind: 'no_ticket', item, reason: found.reason, detail: found.detail };
    return { kind: 'ticket', item, ticket: found.ticket, disposition: found.disposition };
  } catch (error) {
    return failure(item, error);
  }
}

/** Maps a failure to a state: no token or a rejected one means "sign in"; anything else is an error with a code. */
export function failure(item: MailItem | null, error: unknown): StatusState {
  if (error instanceof AuthError) return error.code === 'sign_in_required' ? { kind: 'sign_in_needed' } : { kind: 'error', item, code: error.code, message: error.message };
  if (error instanceof ApiError) return error.status === 401 ? { kind: 'sign_in_needed' } : { kind: 'error', item, code: error.code, message: error.message };
  return { kind: 'error', item, code: 'unexpected', message: error instanceof Error ? error.message : String(error) };
}
