import type { LinkResultMessage } from '../api/types';
import { ConsentError, parseLinkResult } from '../link/link-result';

/**
 * Consent outside Office: a popup window on Microsoft's (or the sandbox's) sign-in page, ending on our OAuth
 * callback, which posts the link result to its opener. Only a message from that popup, from our own origin,
 * counts.
 *
 * The window opens synchronously, before the authorize URL is known: browsers only allow popups during the
 * click that asked for them, and asking the server for the URL takes a round trip.
 */

const POLL_CLOSED_MS = 400;
const FEATURES = 'popup,width=520,height=680';

export async function consentInPopup(authorizeUrl: () => Promise<string>, win: Window = window): Promise<LinkResultMessage> {
  const popup = win.open('about:blank', 'relaydesk-consent', FEATURES);
  if (!popup) throw new ConsentError('popup_blocked', 'The browser blocked the sign-in window; allow popups for this site');
  let url: string;
  try {
    url = await authorizeUrl();
  } catch (error) {
    popup.close();
    throw error;
  }
  popup.location.href = url;
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      win.removeEventListener('message', onMessage);
      win.clearInterval(timer);
    };
    const onMessage = (event: MessageEvent): void => {
      if (event.source !== popup || event.origin !== win.location.origin) return;
      const result = parseLinkResult(event.data);
      if (!result) return;
      finish();
      popup.close();
      resolve(result);
    };
    const timer = win.setInterval(() => {
      if (!popup.closed) return;
      finish();
      reject(new ConsentError('consent_window_closed', 'The sign-in window was closed before the mailbox was linked'));
    }, POLL_CLOSED_MS);
    win.addEventListener('message', onMessage);
  });
}
