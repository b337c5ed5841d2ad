import type { LinkResultMessage } from '../api/types';
import { ConsentError, parseLinkResult } from '../link/link-result';
import { dialogMessage } from './dialog';
import { DIALOG_CLOSED_BY_USER, OfficeError } from './types';

/**
 * Consent inside Outlook: an Office dialog. Its first page must be on the add-in's origin, so it opens
 * dialog-start.html, which forwards to the authorize URL (after checking it goes to our identity provider);
 * the OAuth callback page then answers with Office.context.ui.messageParent.
 */
export async function consentInDialog(authorizeUrl: () => Promise<string>, paneUrl: string): Promise<LinkResultMessage> {
  const target = await authorizeUrl();
  const start = new URL('dialog-start.html', paneUrl);
  start.hash = new URLSearchParams({ to: target }).toString();
  let text: string;
  try {
    text = await dialogMessage(start.href);
  } catch (error) {
    if (!(error instanceof OfficeError)) throw error;
    throw new ConsentError(error.code === DIALOG_CLOSED_BY_USER ? 'consent_window_closed' : 'dialog_failed', error.message);
  }
  const result = parseLinkResult(text);
  if (!result) throw new ConsentError('dialog_failed', 'The consent dialog answered with something that is not a link result');
  return result;
}
