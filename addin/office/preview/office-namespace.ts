import { fail, succeed, tail, type AsyncCallback } from './async-result';
import { DIALOG_ERRORS, type OfficeHostPort } from './host-port';
import { ewsToRest, isSetSupported, OFFICE_ENUMS, OFFICE_THEMES, restToEws, onReadyApi } from './office-enums';
import { previewItem } from './preview-item';

/**
 * The `Office` namespace of the task pane in the preview's frame: the subset of Office.js the pane uses
 * (addin/office/), implemented over the host port as Outlook on the web behaves:
 *
 * - Office.onReady resolves with host Outlook, platform OfficeOnline;
 * - context.mailbox.item is the selected email (null: none), a new object after each selection;
 *   addHandlerAsync(ItemChanged) handlers run when the host selects another email, after item has changed;
 *   OfficeThemeChanged handlers get the new officeTheme; removeHandlerAsync drops every handler of a type;
 * - context.mailbox.userProfile, convertToEwsId / convertToRestId, displayMessageForm;
 * - context.displayLanguage / contentLanguage and context.officeTheme, read from the host each time;
 * - context.ui.displayDialogAsync: a window owned by the host page, on the pane's own origin only (12004),
 *   one at a time (12007); DialogMessageReceived carries {message, origin}, DialogEventReceived 12006 when
 *   the user closes it; dialog.close() closes it without an event;
 * - context.requirements.isSetSupported: Mailbox 1.14, DialogApi 1.2, DialogOrigin 1.1, no NestedAppAuth.
 *
 * Every callback comes asynchronously, as Office's do. What the pane does not use is absent rather than faked.
 */

const { EventType } = OFFICE_ENUMS;
type Handler = (arg: Record<string, unknown>) => void;

export function officeNamespace(port: OfficeHostPort, win: Window) {
  const handlers = new Map<string, Handler[]>();
  let item = currentItem();
  function currentItem() {
    const selected = port.item();
    return selected ? previewItem(selected, port) : null;
  }
  const fire = (type: string, arg: Record<string, unknown>) => {
    for (const handler of (handlers.get(type) ?? []).slice()) handler({ type, ...arg });
  };
  const stop = port.subscribe((event) => {
    if (event === 'item') {
      item = currentItem();
      fire(EventType.ItemChanged, {});
    } else {
      fire(EventType.OfficeThemeChanged, { officeTheme: { ...OFFICE_THEMES[port.theme()] } });
    }
  });
  // The host outlives this page (a reload of the pane): it must stop calling into a page that is gone.
  win.addEventListener('pagehide', stop);

  const user = port.user();
  const mailbox = {
    get item() {
      return item;
    },
    userProfile: { emailAddress: user.address, displayName: user.name, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, accountType: 'enterprise' },
    diagnostics: { hostName: 'OutlookWebApp', hostVersion: '16.0', OWAView: 'ThreeColumn' },
    addHandlerAsync(type: string, handler: Handler, options?: unknown, callback?: unknown): void {
      const { context, callback: cb } = tail<void>(options, callback);
      if (type !== EventType.ItemChanged && type !== EventType.OfficeThemeChanged) return fail(cb, 5000, `The event type ${type} is not supported.`, context);
      handlers.set(type, [...(handlers.get(type) ?? []), handler]);
      succeed(cb, undefined, context);
    },
    removeHandlerAsync(type: string, options?: unknown, callback?: unknown): void {
      const { context, callback: cb } = tail<void>(options, callback);
      handlers.delete(type);
      succeed(cb, undefined, context);
    },
    convertToEwsId: (id: string) => restToEws(id),
    convertToRestId: (id: string) => ewsToRest(id),
    displayMessageForm: (itemId: string) => port.displayMessage(ewsToRest(itemId)),
  };

  const ui = {
    displayDialogAsync(url: string, options?: unknown, callback?: unknown): void {
      const { context, callback: cb } = tail<unknown>(options, callback);
      const size = options && typeof options === 'object' ? (options as { width?: number; height?: number }) : {};
      const target = new URL(url, win.location.href);
      if (target.origin !== win.location.origin) return fail(cb, DIALOG_ERRORS.untrustedDomain, 'The domain of the URL is not trusted.', context);
      const dialogHandlers = new Map<string, Handler>();
      const opened = port.openDialog(target.href, { width: size.width ?? 40, height: size.height ?? 60 }, {
        message: (message, origin) => setTimeout(() => dialogHandlers.get(EventType.DialogMessageReceived)?.({ type: EventType.DialogMessageReceived, message, origin }), 0),
        ended: (code) => setTimeout(() => dialogHandlers.get(EventType.DialogEventReceived)?.({ type: EventType.DialogEventReceived, error: code }), 0),
      });
      if (!opened.ok) return fail(cb, opened.code, opened.message, context);
      const dialog = {
        addEventHandler: (type: string, handler: Handler) => void dialogHandlers.set(type, handler),
        close: () => opened.close(),
        messageChild: () => undefined,
      };
      succeed(cb as AsyncCallback<typeof dialog> | undefined, dialog, context);
    },
  };

  return {
    ...OFFICE_ENUMS,
    ...onReadyApi(),
    context: {
      mailbox,
      ui,
      requirements: { isSetSupported },
      get displayLanguage() {
        return port.displayLanguage();
      },
      get contentLanguage() {
        return port.displayLanguage();
      },
      get officeTheme() {
        return { ...OFFICE_THEMES[port.theme()] };
      },
    },
  };
}
