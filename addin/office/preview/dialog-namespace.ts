import type { DialogPort } from './host-port';
import { isSetSupported, OFFICE_ENUMS } from './office-enums';

/**
 * The `Office` namespace of a page inside a preview dialog window (sign-in.html, dialog-start.html): as in an
 * Office dialog, there is no mailbox, only Office.context.ui.messageParent, which reaches the pane (or the
 * preview page) that opened the dialog, with this page's origin.
 */
export function dialogNamespace(port: DialogPort, win: Window) {
  const ready = { host: OFFICE_ENUMS.HostType.Outlook, platform: OFFICE_ENUMS.PlatformType.OfficeOnline };
  return {
    ...OFFICE_ENUMS,
    onReady(callback?: (info: typeof ready) => void): Promise<typeof ready> {
      if (typeof callback === 'function') setTimeout(() => callback(ready), 0);
      return Promise.resolve(ready);
    },
    context: {
      ui: { messageParent: (message: unknown) => port.messageParent(String(message), win.location.origin) },
      requirements: { isSetSupported },
    },
  };
}
