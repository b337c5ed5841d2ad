import { parseSignInResult } from '../auth/sign-in-result';
import type { LinkResultMessage } from '../api/types';
import { parseLinkResult } from '../link/link-result';
import { DIALOG_ERRORS } from '../office/preview/host-port';
import { dialogMessage, DialogEnded } from './dialog-windows';
import { previewApi, PreviewApiError, type PreviewPerson } from './preview-api';
import type { PreviewHost } from './preview-host';

/**
 * The preview's two shortcuts, made of the add-in's own pages and the sandbox's real consent page:
 * - sign in as a demo person: the pane's sign-in dialog (sign-in.html), opened by the preview, then Outlook's
 *   user becomes that person and the pane starts again, finding the account the dialog signed in (MSAL's cache
 *   in this origin's localStorage);
 * - link the demo mailbox as the signed-in admin: POST /api/mailboxes (every unread email imported, the API's
 *   default), then consent in a dialog through dialog-start.html, which ends on the server's OAuth callback.
 * The session (who, and their API token for the link) is kept in sessionStorage: this tab only.
 */

export interface PreviewSession {
  upn: string;
  name: string;
  role: PreviewPerson['role'];
  token: string;
  expiresAt: number;
}

const SESSION_KEY = 'relaydesk.preview.session';

export class PreviewSignInError extends Error {
  constructor(
    readonly code: 'sign_in_cancelled' | 'sign_in_failed' | 'dialog_blocked',
    message: string,
  ) {
    super(message);
    this.name = 'PreviewSignInError';
  }
}

export function loadSession(storage: Storage): PreviewSession | null {
  try {
    const session = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null') as PreviewSession | null;
    return session && typeof session.token === 'string' && session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

const addinPage = (page: string): URL => new URL(`/preview/addin/${page}`, window.location.origin);

export async function signInAs(host: PreviewHost, person: PreviewPerson, storage: Storage): Promise<PreviewSession> {
  const url = addinPage('sign-in.html');
  url.searchParams.set('login_hint', person.upn);
  url.searchParams.set('lang', host.getState().language);
  let text: string;
  try {
    text = await dialogMessage(host.dialogs, url.href).result;
  } catch (error) {
    if (!(error instanceof DialogEnded)) throw error;
    if (error.code === DIALOG_ERRORS.blocked) throw new PreviewSignInError('dialog_blocked', 'The browser blocked the sign-in window; allow popups for this site');
    throw new PreviewSignInError('sign_in_cancelled', 'The sign-in window was closed');
  }
  const result = parseSignInResult(text);
  if (!result) throw new PreviewSignInError('sign_in_failed', 'The sign-in window answered with something that is not a sign-in result');
  if (!result.ok) throw new PreviewSignInError(result.code === 'sign_in_cancelled' ? 'sign_in_cancelled' : 'sign_in_failed', result.message);
  const session: PreviewSession = { upn: result.account.username, name: result.account.name ?? person.name, role: person.role, token: result.accessToken, expiresAt: Date.parse(result.expiresOn) };
  storage.setItem(SESSION_KEY, JSON.stringify(session));
  host.setUser({ address: session.upn, name: session.name });
  return session;
}

/** Links the demo mailbox; resolves with the callback page's result ({ok: false} included). */
export async function linkDemoMailbox(host: PreviewHost, session: PreviewSession, mailbox: string): Promise<LinkResultMessage> {
  // The window first, during the click: browsers let a page open windows only then.
  const dialog = dialogMessage(host.dialogs, 'about:blank');
  let started: { authorizeUrl: string | null };
  try {
    if (!dialog.win) throw new PreviewSignInError('dialog_blocked', 'The browser blocked the consent window; allow popups for this site');
    started = await previewApi.link(mailbox, session.token);
  } catch (error) {
    dialog.close();
    dialog.result.catch(() => undefined);
    if (error instanceof PreviewApiError && error.code === 'already_linked') return { type: 'relaydesk.link-result', ok: true, code: 'already_linked', message: error.message };
    throw error;
  }
  if (!started.authorizeUrl) {
    // Application mode: linked at once, no consent page.
    dialog.close();
    dialog.result.catch(() => undefined);
    return { type: 'relaydesk.link-result', ok: true, code: 'linked', message: `${mailbox} is linked` };
  }
  const start = addinPage('dialog-start.html');
  start.hash = new URLSearchParams({ to: started.authorizeUrl }).toString();
  dialog.win!.location.href = start.href;
  const result = parseLinkResult(await dialog.result);
  if (!result) throw new Error('The consent window answered with something that is not a link result');
  return result;
}
