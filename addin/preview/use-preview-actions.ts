import { useState } from 'react';
import { DIALOG_ERRORS } from '../office/preview/host-port';
import { DialogEnded } from './dialog-windows';
import { previewApi, type MailKind, type PreviewPerson, type PreviewSetup } from './preview-api';
import type { PreviewHost } from './preview-host';
import type { PreviewText } from './preview-text';
import { linkDemoMailbox, loadSession, PreviewSignInError, signInAs, type PreviewSession } from './session';

/** What the preview's buttons do, one at a time, each ending with a notice (or none). */
export interface Notice {
  intent: 'success' | 'warning' | 'error';
  /** For tests and styling: linked, already_linked, sent, needs_admin, failed, or the link result's code. */
  code: string;
  text: string;
}

export interface PreviewActions {
  session: PreviewSession | null;
  notice: Notice | null;
  busy: boolean;
  signIn(person: PreviewPerson): void;
  link(): void;
  send(kind: MailKind): void;
}

export function usePreviewActions(host: PreviewHost, setup: PreviewSetup, sessions: Storage, t: PreviewText, onSent: () => void): PreviewActions {
  const [session, setSession] = useState<PreviewSession | null>(() => loadSession(sessions));
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);

  const act = (failed: FailureKey, work: () => Promise<Notice | null>) => {
    setBusy(true);
    setNotice(null);
    work()
      .then(setNotice, (error: unknown) => setNotice({ intent: 'error', code: 'failed', text: failureText(t, failed, error) }))
      .finally(() => setBusy(false));
  };
  return {
    session,
    notice,
    busy,
    signIn: (person) =>
      act('preview.signIn.failed', async () => {
        setSession(await signInAs(host, person, sessions));
        return null;
      }),
    link: () =>
      act('preview.link.failed', async () => {
        if (!session || session.role !== 'admin' || session.expiresAt < Date.now()) return { intent: 'warning', code: 'needs_admin', text: t('preview.link.needsAdmin') };
        const result = await linkDemoMailbox(host, session, setup.mailbox);
        // The pane's Mailboxes view and lookups should see the new state at once.
        host.restartPane();
        if (!result.ok) return { intent: 'error', code: result.code, text: t('preview.link.failed', { message: result.message }) };
        return { intent: 'success', code: result.code, text: t(result.code === 'already_linked' ? 'preview.link.already' : 'preview.link.done', { address: setup.mailbox }) };
      }),
    send: (kind) =>
      act('preview.send.failed', async () => {
        const sent = await previewApi.send(kind);
        onSent();
        return { intent: 'success', code: 'sent', text: t('preview.send.done', { subject: sent.subject, mailbox: setup.mailbox }) };
      }),
  };
}

type FailureKey = 'preview.signIn.failed' | 'preview.link.failed' | 'preview.send.failed';

/** A window the user closed is no failure to explain; anything else is said with the server's words. */
function failureText(t: PreviewText, failed: FailureKey, error: unknown): string {
  if ((error instanceof PreviewSignInError && error.code === 'sign_in_cancelled') || (error instanceof DialogEnded && error.code === DIALOG_ERRORS.closedByUser)) return t('preview.dialog.closed');
  return t(failed, { message: error instanceof Error ? error.message : String(error) });
}
