import type { DialogPort } from './host-port';
import { isSetSupported, OFFICE_ENUMS, onReadyApi } from './office-enums';

/**
 * The `Office` namespace of a page inside a preview dialog window (sign-in.html, dialog-start.html): as in an
 * Office dialog, there is no mailbox, only Office.context.ui.messageParent, which reaches the pane (or the
 * preview page) that opened the dialog, with this page's origin.
 */
export function dialogNamespace(port: DialogPort, win: Window) {
  return {
    ...OFFICE_ENUMS,
    ...onReadyApi(),
    context: {
      ui: { messageParent: (message: unknown) => port.messageParent(String(message), win.location.origin) },
      requirements: { isSetSupported },
    },
  };
}
