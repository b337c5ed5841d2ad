// A fake Outlook host for the task pane in headless Chromium, injected with Playwright's addInitScript before any
// page script runs. Plain browser JavaScript (it is read as text and evaluated in every page of the context).
//
// It only acts in two kinds of pages:
// - the task pane opened as /addin/taskpane.html?fake-outlook=<JSON {user, item}>: Office.onReady resolves with
//   host Outlook, Office.context.mailbox has the item (null = nothing selected), addHandlerAsync(ItemChanged)
//   registers handlers that window.__fakeOutlook.select(item) fires, and Office.context.ui.displayDialogAsync
//   opens the "dialog" as a real popup window;
// - a page inside such a dialog window (whatever its URL, after navigating through the sign-in page): there
//   Office.context.ui.messageParent delivers to the pane's DialogMessageReceived handler, as Office does.
// Everywhere else it does nothing, so the real office.js and the plain browser paths run untouched.
//
// The test serves an empty office.js to these pages: Microsoft's loader would otherwise replace this fake.
(() => {
  'use strict';
  const ENUMS = {
    HostType: { Outlook: 'Outlook' },
    PlatformType: { OfficeOnline: 'OfficeOnline' },
    EventType: { ItemChanged: 'olkItemSelectedChanged', DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    MailboxEnums: { ItemType: { Message: 'message', Appointment: 'appointment' } },
  };
  const ready = (callback) => {
    const info = { host: ENUMS.HostType.Outlook, platform: ENUMS.PlatformType.OfficeOnline };
    if (typeof callback === 'function') setTimeout(() => callback(info), 0);
    return Promise.resolve(info);
  };
  const ok = (callback, value) => typeof callback === 'function' && setTimeout(() => callback({ status: 'succeeded', value }), 0);
  const failed = (callback, code, message) => typeof callback === 'function' && setTimeout(() => callback({ status: 'failed', error: { code, name: 'Error', message } }), 0);
  const define = (office) => {
    Object.defineProperty(window, 'Office', { value: office, configurable: true, writable: true });
  };

  // A page inside a fake dialog window: messageParent goes back to the pane that opened it.
  let parentHost = null;
  try {
    if (window.opener && window.opener.__fakeOutlook && window.opener.__fakeOutlook.isDialog(window)) parentHost = window.opener.__fakeOutlook;
  } catch (e) {
    // A cross-origin opener: not ours.
  }
  if (parentHost) {
    define({
      ...ENUMS,
      onReady: ready,
      context: { ui: { messageParent: (message) => parentHost.fromDialog(window, String(message), window.location.origin) } },
    });
    return;
  }

  const params = new URLSearchParams(window.location.search);
  if (!/\/addin\/taskpane\.html$/.test(window.location.pathname) || !params.has('fake-outlook')) return;
  const config = JSON.parse(params.get('fake-outlook') || '{}');

  const toItem = (data) =>
    data === null || data === undefined
      ? null
      : {
          itemType: ENUMS.MailboxEnums.ItemType.Message,
          internetMessageId: data.internetMessageId || '',
          subject: data.subject || '',
          from: data.from ? { emailAddress: data.from.address, displayName: data.from.name || data.from.address } : null,
          dateTimeCreated: new Date(data.receivedAt || Date.now()),
        };

  const itemChanged = [];
  const dialogs = [];
  const mailbox = {
    item: toItem(config.item),
    userProfile: { emailAddress: config.user || 'admin@contoso.test', displayName: config.user || 'admin' },
    addHandlerAsync(type, handler, options, callback) {
      const cb = typeof options === 'function' ? options : callback;
      if (type !== ENUMS.EventType.ItemChanged) return failed(cb, 5000, `fake host: no ${type} event`);
      itemChanged.push(handler);
      ok(cb);
    },
    removeHandlerAsync(type, options, callback) {
      const cb = typeof options === 'function' ? options : callback;
      if (type === ENUMS.EventType.ItemChanged) itemChanged.length = 0;
      ok(cb);
    },
  };
  const ui = {
    displayDialogAsync(url, options, callback) {
      const cb = typeof options === 'function' ? options : callback;
      if (dialogs.some((d) => !d.closed)) return failed(cb, 12007, 'A dialog box is already opened from this add-in.');
      if (new URL(url, window.location.href).origin !== window.location.origin) return failed(cb, 12004, 'The domain of the URL is not trusted.');
      const win = window.open(url, 'fake-office-dialog', 'popup,width=520,height=680');
      if (!win) return failed(cb, 12009, 'The user chose to ignore the dialog box.');
      const handlers = {};
      const record = { url, win, handlers, closed: false, messages: [] };
      dialogs.push(record);
      const watch = setInterval(() => {
        if (!win.closed) return;
        clearInterval(watch);
        if (record.closed) return;
        record.closed = true;
        const h = handlers[ENUMS.EventType.DialogEventReceived];
        if (h) h({ error: 12006, type: ENUMS.EventType.DialogEventReceived });
      }, 200);
      ok(cb, {
        addEventHandler: (type, handler) => {
          handlers[type] = handler;
        },
        close: () => {
          record.closed = true;
          win.close();
        },
        messageChild: () => undefined,
      });
    },
  };
  define({
    ...ENUMS,
    onReady: ready,
    context: {
      mailbox,
      ui,
      requirements: { isSetSupported: (name) => name === 'Mailbox' || name === 'DialogApi' },
      displayLanguage: 'en-US',
    },
  });

  // The test's remote control.
  window.__fakeOutlook = {
    /** Selects another item (null = nothing) and fires ItemChanged; returns performance.now() at the event. */
    select(data) {
      mailbox.item = toItem(data);
      const at = performance.now();
      for (const handler of itemChanged.slice()) handler({ type: ENUMS.EventType.ItemChanged });
      return at;
    },
    handlerCount: () => itemChanged.length,
    dialogs: () => dialogs.map((d) => ({ url: d.url, closed: d.closed, messages: d.messages.slice() })),
    isDialog: (win) => dialogs.some((d) => d.win === win && !d.closed),
    fromDialog(win, message, origin) {
      const record = dialogs.find((d) => d.win === win && !d.closed);
      if (!record) return;
      record.messages.push(message);
      const h = record.handlers[ENUMS.EventType.DialogMessageReceived];
      if (h) setTimeout(() => h({ message, origin, type: ENUMS.EventType.DialogMessageReceived }), 0);
    },
  };
})();
