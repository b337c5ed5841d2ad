import type { LinkResultMessage } from '../api/types';

/**
 * The consent window's answer. The OAuth callback page (server/http/link-result-page.ts) sends
 * `{type: 'relaydesk.link-result', ok, code, message, mailbox?}`: as a JSON string through Office's
 * messageParent, or as an object through window.opener.postMessage. Anything else is not ours and is ignored.
 */

export type ConsentErrorCode =
  /** The browser blocked the popup (it must open from a click). */
  | 'popup_blocked'
  /** The user closed the window before consenting. */
  | 'consent_window_closed'
  /** Office could not open its dialog (another dialog open, untrusted domain...). */
  | 'dialog_failed';

export class ConsentError extends Error {
  constructor(
    readonly code: ConsentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConsentError';
  }
}

export function parseLinkResult(data: unknown): LinkResultMessage | null {
  let value = data;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (v['type'] !== 'relaydesk.link-result' || typeof v['ok'] !== 'boolean' || typeof v['code'] !== 'string' || typeof v['message'] !== 'string') return null;
  const result: LinkResultMessage = { type: 'relaydesk.link-result', ok: v['ok'], code: v['code'], message: v['message'] };
  const m = v['mailbox'] as Record<string, unknown> | undefined;
  if (m && typeof m['id'] === 'number' && typeof m['address'] === 'string' && typeof m['state'] === 'string') {
    result.mailbox = { id: m['id'], address: m['address'], state: m['state'] };
  }
  return result;
}
