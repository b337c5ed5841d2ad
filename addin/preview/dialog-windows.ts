import { DIALOG_ERRORS, type DialogEvents, type DialogOpening, type DialogPort } from '../office/preview/host-port';

/**
 * The preview's Office dialogs: browser windows the preview page owns, as Outlook on the web opens them. One at
 * a time. A page inside one answers with Office.context.ui.messageParent (the preview's office.js routes it
 * here through dialogOf), or, being no add-in page (the server's OAuth callback), with
 * window.opener.postMessage: only its link result counts, only from the dialog's own window on this origin.
 */

/** What the OAuth callback page posts (server/http/link-result-page.ts). */
const LINK_RESULT_TYPE = 'relaydesk.link-result';
/** How often a dialog is checked for being closed by the user (browsers have no event for it). */
const CLOSED_POLL_MS = 300;

interface OpenDialog {
  win: Window;
  events: DialogEvents;
  timer: number;
}

export class DialogWindows {
  private current: OpenDialog | null = null;

  constructor(private readonly owner: Window) {
    owner.addEventListener('message', (event: MessageEvent) => {
      const dialog = this.current;
      if (!dialog || event.source !== dialog.win || event.origin !== owner.location.origin) return;
      // Only the OAuth callback page's answer: other scripts in the window (MSAL's) may post their own messages.
      if ((event.data as { type?: unknown } | null)?.type !== LINK_RESULT_TYPE) return;
      dialog.events.message(typeof event.data === 'string' ? event.data : JSON.stringify(event.data), event.origin);
    });
  }

  /** Opens `url` (about:blank to navigate it later, once known) in the dialog window. */
  open(url: string, size: { width: number; height: number }, events: DialogEvents): DialogOpening & { win?: Window } {
    if (this.current && !this.current.win.closed) return { ok: false, code: DIALOG_ERRORS.alreadyOpen, message: 'A dialog box is already opened from this add-in.' };
    const screen = this.owner.screen;
    const width = Math.max(420, Math.round((screen.availWidth * size.width) / 100));
    const height = Math.max(560, Math.round((screen.availHeight * size.height) / 100));
    const win = this.owner.open(url, 'relaydesk-preview-dialog', `popup,width=${width},height=${height}`);
    if (!win) return { ok: false, code: DIALOG_ERRORS.blocked, message: 'The user chose to ignore the dialog box.' };
    const dialog: OpenDialog = { win, events, timer: 0 };
    dialog.timer = this.owner.setInterval(() => {
      if (!win.closed) return;
      this.forget(dialog);
      safely(() => events.ended(DIALOG_ERRORS.closedByUser));
    }, CLOSED_POLL_MS);
    this.current = dialog;
    return {
      ok: true,
      win,
      close: () => {
        // Closed by its opener: no DialogEventReceived, as in Office.
        this.forget(dialog);
        win.close();
      },
    };
  }

  dialogOf(win: Window): DialogPort | null {
    const dialog = this.current;
    if (!dialog || dialog.win !== win) return null;
    return { messageParent: (text, origin) => safely(() => dialog.events.message(text, origin)) };
  }

  private forget(dialog: OpenDialog): void {
    this.owner.clearInterval(dialog.timer);
    if (this.current === dialog) this.current = null;
  }
}

/** The pane that asked for a dialog may have been reloaded since: its handlers are gone, not an error here. */
function safely(call: () => void): void {
  try {
    call();
  } catch {
    // The page that registered the handler is gone.
  }
}

/**
 * Opens a dialog and resolves with its first message (closing it then); rejects with a DialogEnded carrying
 * Office's code if it ends first or cannot open. `close` gives up on it (a step before it failed).
 */
export function dialogMessage(dialogs: DialogWindows, url: string, size = { width: 40, height: 70 }): { win: Window | undefined; close(): void; result: Promise<string> } {
  let opened: ReturnType<DialogWindows['open']> | undefined;
  const result = new Promise<string>((resolve, reject) => {
    opened = dialogs.open(url, size, {
      message: (text) => {
        if (opened?.ok) opened.close();
        resolve(text);
      },
      ended: (code) => reject(new DialogEnded(code)),
    });
    if (!opened.ok) reject(new DialogEnded(opened.code));
  });
  const handle = opened as ReturnType<DialogWindows['open']>;
  return { win: handle.ok ? handle.win : undefined, close: () => void (handle.ok && handle.close()), result };
}

export class DialogEnded extends Error {
  constructor(readonly code: number) {
    super(`The dialog ended (Office error ${code})`);
    this.name = 'DialogEnded';
  }
}
