import { createIntl, type IntlShape, type MessageDescriptor } from 'react-intl';
import type { NoTicketReason } from '../api/types';
import { messagesFor } from '../i18n/messages';

/**
 * Why an email has no ticket, in words an agent understands. The server sends a reason code and a detail
 * (server/tickets/lookup.ts); the pane never shows a bare code as the explanation. The words are messages of
 * addin/i18n/catalog/reasons.ts: this picks them and their values, the component formats them.
 */

export interface ReasonMessage {
  title: MessageDescriptor & { id: string };
  explanation: MessageDescriptor & { id: string };
  /** For the explanation: select keys as strings, dates as Date (formatted in the pane's language). */
  values: Record<string, string | Date>;
}

export interface ReasonText {
  title: string;
  explanation: string;
}

function when(iso: string | null): Record<string, string | Date> {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? { hasLast: 'yes', last: date } : { hasLast: 'no' };
}

function valuesOf(reason: NoTicketReason, detail: string | null): Record<string, string | Date> {
  switch (reason) {
    case 'mailbox_not_linked':
      return detail ? { hasMailbox: 'yes', mailbox: detail } : { hasMailbox: 'no' };
    case 'mailbox_not_syncing':
      return { state: detail || 'none' };
    case 'waiting_for_sync':
    case 'read_before_sync':
      return when(detail);
    case 'suppressed':
      // The detail is "<code>: <what the filter saw>"; an unknown code reads as "a filter set it aside".
      return { code: (detail ?? '').split(':')[0]?.trim() || 'unknown' };
    default:
      return {};
  }
}

export function reasonMessage(reason: NoTicketReason, detail: string | null): ReasonMessage {
  return { title: { id: `reason.${reason}.title` }, explanation: { id: `reason.${reason}.explanation` }, values: valuesOf(reason, detail) };
}

let english: IntlShape | undefined;

/** The reason as text in `intl`'s language (`useIntl()` in a component); English when no intl is given. */
export function reasonText(reason: NoTicketReason, detail: string | null, intl: Pick<IntlShape, 'formatMessage'> = (english ??= createIntl({ locale: 'en-US', messages: messagesFor('en-US') }))): ReasonText {
  const m = reasonMessage(reason, detail);
  return { title: intl.formatMessage(m.title), explanation: intl.formatMessage(m.explanation, m.values) };
}
