import { OfficeError } from './types';

/**
 * Office dialogs (Dialog API 1.1): opens `url` in an Office dialog and resolves with the first message the
 * page sends with `Office.context.ui.messageParent`, then closes the dialog. Rejects with an OfficeError when
 * the dialog cannot open (12007 another dialog is open, 12004 untrusted domain...) or ends without a message
 * (12006: the user closed it).
 *
 * Office requires the dialog's first page to be on the add-in's own origin; pages may then navigate anywhere
 * (Microsoft's sign-in), and messageParent works again once the dialog is back on our origin.
 */

export interface DialogSize {
  /** Percent of the screen. */
  height: number;
  width: number;
}

export function canOpenDialogs(): boolean {
  const office = globalThis.Office as typeof Office | undefined;
  return typeof office?.context?.ui?.displayDialogAsync === 'function';
}

export function dialogMessage(url: string, size: DialogSize = { height: 60, width: 40 }): Promise<string> {
  return new Promise((resolve, reject) => {
    Office.context.ui.displayDialogAsync(url, { height: size.height, width: size.width, promptBeforeOpen: false }, (opened) => {
      if (opened.status === Office.AsyncResultStatus.Failed) {
        reject(new OfficeError(opened.error?.code ?? 0, opened.error?.message ?? 'The dialog could not be opened'));
        return;
      }
      const dialog = opened.value;
      let settled = false;
      dialog.addEventHandler(Office.EventType.DialogMessageReceived, (arg) => {
        if (settled || !('message' in arg)) return;
        // DialogOrigin 1.1 names the sender: only our own pages (the OAuth callback) may answer.
        if (arg.origin !== undefined && arg.origin !== window.location.origin) return;
        settled = true;
        dialog.close();
        resolve(String(arg.message));
      });
      dialog.addEventHandler(Office.EventType.DialogEventReceived, (arg) => {
        if (settled || !('error' in arg)) return;
        settled = true;
        reject(new OfficeError(arg.error, arg.error === 12006 ? 'The dialog was closed' : `The dialog ended (Office error ${arg.error})`));
      });
    });
  });
}
