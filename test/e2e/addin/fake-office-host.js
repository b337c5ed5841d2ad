// A fake Outlook host for the task pane in headless Chromium, injected with Playwright's addInitScript before any
// page script runs. Plain browser JavaScript (it is read as text and evaluated in every page of the context).
//
// It only acts in two kinds of pages:
// - the task pane opened as /addin/taskpane.html?fake-outlook=<JSON config>: Office.onReady resolves with host
//   Outlook, Office.context.mailbox has the item (null = nothing selected), addHandlerAsync(ItemChanged)
//   registers handlers that window.__fakeOutlook.select(item) fires, and Office.context.ui.displayDialogAsync
//   opens the "dialog" as a real popup window;
// - a page inside such a dialog window (whatever its URL, after navigating through the sign-in page): there
//   Office.context.ui.messageParent delivers to the pane's DialogMessageReceived handler, as Office does.
// Everywhere else it does nothing, so the real office.js and the plain browser paths run untouched.
//
// The config: { user, item, language?, theme?: 'light'|'dark' }. An item: { internetMessageId, subject,
// from: {address, name}, receivedAt, to?, cc? ([{address, name}]), body?: {html?, text?}, attachments?:
// [{id, name, contentType, contentBase64, isInline?}], restId? (Graph's id; itemId is its EWS form),
// owner? (the shared mailbox the item is in: getSharedPropertiesAsync answers it) }.
// The host reports requirement sets as an Outlook on the web of Mailbox 1.8 does: no OfficeThemeChanged (1.14),
// no nested app authentication.
//
// The test serves an empty office.js to these pages: Microsoft's loader would otherwise replace this fake.
// The product's own host for the preview at `/` (addin/office/preview/) implements the same subset; this fake
// stays a test tool: it also plays what the preview does not (attachments with content, an item in the user's
// own mailbox, an older Outlook's requirement sets) and exposes the controls the suites assert on.
(() => {
  'use strict';
  const ENUMS = {
    HostType: { Outlook: 'Outlook' },
    PlatformType: { OfficeOnline: 'OfficeOnline' },
    EventType: {
      ItemChanged: 'olkItemSelectedChanged',
      OfficeThemeChanged: 'officeThemeChanged',
      DialogMessageReceived: 'dialogMessageReceived',
      DialogEventReceived: 'dialogEventReceived',
    },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    CoercionType: { Text: 'text', Html: 'html' },
    MailboxEnums: {
      ItemType: { Message: 'message', Appointment: 'appointment' },
      AttachmentType: { File: 'file', Item: 'item', Cloud: 'cloud' },
      AttachmentContentFormat: { Base64: 'base64', Url: 'url', Eml: 'eml', ICalendar: 'iCalendar' },
      RestVersion: { v1_0: 'v1.0', v2_0: 'v2.0', Beta: 'beta' },
      RecipientType: { User: 'user', ExternalUser: 'externalUser', DistributionList: 'distributionList', Other: 'other' },
    },
  };
  // What Outlook on the web hands a task pane as Office.context.officeTheme in its light and dark themes.
  const THEMES = {
    light: { bodyBackgroundColor: '#FFFFFF', bodyForegroundColor: '#242424', controlBackgroundColor: '#FFFFFF', controlForegroundColor: '#242424', isDarkTheme: false },
    dark: { bodyBackgroundColor: '#292929', bodyForegroundColor: '#FFFFFF', controlBackgroundColor: '#1F1F1F', controlForegroundColor: '#FFFFFF', isDarkTheme: true },
  };
  // Highest version of each requirement set this host has (Mailbox 1.8: attachments content, shared folders,
  // but no OfficeThemeChanged, which is 1.14); a set not listed is unsupported.
  const REQUIREMENTS = { Mailbox: '1.8', DialogApi: '1.2', DialogOrigin: '1.1' };
  const atMost = (version, highest) => {
    const a = String(version).split('.').map(Number);
    const b = highest.split('.').map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i] || 0;
      const y = b[i] || 0;
      if (x !== y) return x < y;
    }
    return true;
  };
  const isSetSupported = (name, version) => Object.prototype.hasOwnProperty.call(REQUIREMENTS, name) && (version === undefined || atMost(version, REQUIREMENTS[name]));

  const ready = (callback) => {
    const info = { host: ENUMS.HostType.Outlook, platform: ENUMS.PlatformType.OfficeOnline };
    if (typeof callback === 'function') setTimeout(() => callback(info), 0);
    return Promise.resolve(info);
  };
  const ok = (callback, value, asyncContext) => typeof callback === 'function' && setTimeout(() => callback({ status: 'succeeded', value, asyncContext }), 0);
  const failed = (callback, code, message, asyncContext) =>
    typeof callback === 'function' && setTimeout(() => callback({ status: 'failed', error: { code, name: 'Error', message }, asyncContext }), 0);
  /** Office's `(options?, callback?)` tail: the callback may come first. */
  const tail = (options, callback) => (typeof options === 'function' ? { options: {}, cb: options } : { options: options || {}, cb: callback });
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
  const user = config.user || 'admin@contoso.test';

  // Graph (REST) ids are URL-safe base64; EWS ids are the same bytes in standard base64. Outlook converts
  // between them this way, so the test can predict the id displayMessageForm receives.
  const restToEws = (id) => String(id).replace(/-/g, '/').replace(/_/g, '+');
  const ewsToRest = (id) => String(id).replace(/\//g, '-').replace(/\+/g, '_');
  const recipients = (list) => (list || []).map((r) => ({ emailAddress: r.address, displayName: r.name || r.address, recipientType: ENUMS.MailboxEnums.RecipientType.ExternalUser }));
  const escapeHtml = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const htmlToText = (h) => {
    const doc = new DOMParser().parseFromString(String(h), 'text/html');
    return (doc.body && doc.body.textContent) || '';
  };

  const toItem = (data) => {
    if (data === null || data === undefined) return null;
    const body = data.body || {};
    const attachments = (data.attachments || []).map((a, i) => ({
      id: a.id || `AAMkAttachment${i + 1}`,
      name: a.name,
      contentType: a.contentType || 'application/octet-stream',
      size: a.contentBase64 ? Math.floor((a.contentBase64.replace(/=+$/, '').length * 3) / 4) : 0,
      attachmentType: ENUMS.MailboxEnums.AttachmentType.File,
      isInline: Boolean(a.isInline),
    }));
    return {
      itemType: ENUMS.MailboxEnums.ItemType.Message,
      itemId: data.restId ? restToEws(data.restId) : '',
      internetMessageId: data.internetMessageId || '',
      subject: data.subject || '',
      from: data.from ? { emailAddress: data.from.address, displayName: data.from.name || data.from.address } : null,
      sender: data.from ? { emailAddress: data.from.address, displayName: data.from.name || data.from.address } : null,
      to: recipients(data.to),
      cc: recipients(data.cc),
      dateTimeCreated: new Date(data.receivedAt || Date.now()),
      attachments,
      body: {
        getAsync(coercionType, options, callback) {
          const { options: o, cb } = tail(options, callback);
          if (coercionType === ENUMS.CoercionType.Html) return ok(cb, body.html !== undefined ? body.html : `<html><body><pre>${escapeHtml(body.text || '')}</pre></body></html>`, o.asyncContext);
          if (coercionType === ENUMS.CoercionType.Text) return ok(cb, body.text !== undefined ? body.text : htmlToText(body.html || ''), o.asyncContext);
          return failed(cb, 1000, `fake host: coercion type ${coercionType} is not supported for a message body`, o.asyncContext);
        },
      },
      getAttachmentContentAsync(id, options, callback) {
        const { options: o, cb } = tail(options, callback);
        const index = attachments.findIndex((a) => a.id === id);
        const source = index >= 0 ? (data.attachments || [])[index] : undefined;
        if (!source) return failed(cb, 9010, 'The attachment was not found.', o.asyncContext);
        ok(cb, { format: ENUMS.MailboxEnums.AttachmentContentFormat.Base64, content: source.contentBase64 || '' }, o.asyncContext);
      },
      // Mailbox 1.8: an item in the user's own folders is not shared, and Outlook answers with an error.
      getSharedPropertiesAsync(options, callback) {
        const { options: o, cb } = tail(options, callback);
        if (!data.owner) return failed(cb, 9034, 'The item is not in a shared folder.', o.asyncContext);
        ok(cb, { owner: data.owner, permissions: 0x1f, targetMailbox: data.owner, targetRestUrl: '' }, o.asyncContext);
      },
    };
  };

  const itemChanged = [];
  const dialogs = [];
  const displayed = [];
  const mailbox = {
    item: toItem(config.item),
    userProfile: { emailAddress: user, displayName: user, timeZone: 'UTC', accountType: 'enterprise' },
    diagnostics: { hostName: 'OutlookWebApp', hostVersion: '16.0', OWAView: 'ThreeColumn' },
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
    convertToEwsId: (id, restVersion) => {
      if (!Object.values(ENUMS.MailboxEnums.RestVersion).includes(restVersion)) throw new Error(`fake host: unknown REST version ${restVersion}`);
      return restToEws(id);
    },
    convertToRestId: (id, restVersion) => {
      if (!Object.values(ENUMS.MailboxEnums.RestVersion).includes(restVersion)) throw new Error(`fake host: unknown REST version ${restVersion}`);
      return ewsToRest(id);
    },
    displayMessageForm(itemId) {
      // Outlook opens the message in a new window; the test reads which one.
      displayed.push(String(itemId));
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
  const language = config.language || 'en-US';
  define({
    ...ENUMS,
    onReady: ready,
    context: {
      mailbox,
      ui,
      requirements: { isSetSupported },
      displayLanguage: language,
      contentLanguage: language,
      officeTheme: { ...(config.theme === 'dark' ? THEMES.dark : THEMES.light) },
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
    /** Every item id the pane asked Outlook to open with displayMessageForm, in order. */
    displayedForms: () => displayed.slice(),
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
