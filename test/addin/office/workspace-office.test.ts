import type { MessageContent } from '../../../addin/office/types';
import type { PaneTheme } from '../../../addin/state/theme';
import { loadAddin } from '../support/load-addin';

/**
 * The Office.js the workspace uses: the theme and its change event, the email's content for "Create ticket",
 * and opening an email by its Graph id. A hand-made Office global with office.js's enum values.
 */

const { messageContent } = loadAddin<{ messageContent(): Promise<MessageContent> }>('office/message-content');
const { officeTheme, onOfficeThemeChanged } = loadAddin<{ officeTheme(): PaneTheme; onOfficeThemeChanged(h: (t: PaneTheme) => void): Promise<() => void> }>('office/theme');
const { openMessage, canOpenMessages } = loadAddin<{ openMessage(id: string): void; canOpenMessages(): boolean }>('office/open-message');

type Result = { status: string; value?: unknown; error?: { code: number; message: string } };
const ok = (value: unknown): Result => ({ status: 'succeeded', value });
const MB = 1024 * 1024;

function install(mailbox: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  (globalThis as Record<string, unknown>)['Office'] = {
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    CoercionType: { Text: 'text', Html: 'html' },
    EventType: { ItemChanged: 'olkItemSelectedChanged', OfficeThemeChanged: 'officeThemeChanged' },
    MailboxEnums: {
      AttachmentType: { File: 'file', Item: 'item', Cloud: 'cloud' },
      AttachmentContentFormat: { Base64: 'base64', Url: 'url', Eml: 'eml' },
      RestVersion: { v2_0: 'v2.0' },
    },
    context: { mailbox, ...extra },
  };
}
afterEach(() => delete (globalThis as Record<string, unknown>)['Office']);

describe('messageContent', () => {
  const item = (over: Record<string, unknown> = {}) => ({
    subject: 'Printer on fire',
    from: { emailAddress: 'pat@customer.test', displayName: 'Pat Customer' },
    cc: [{ emailAddress: 'kim@customer.test', displayName: 'kim@customer.test' }],
    dateTimeCreated: new Date('2025-03-01T09:30:00Z'),
    body: { getAsync: (type: string, cb: (r: Result) => void) => cb(ok(type === 'html' ? '<p>Help</p>' : 'Help')) },
    attachments: [
      { id: 'a1', name: 'photo.jpg', size: 2 * MB, contentType: 'image/jpeg', isInline: false, attachmentType: 'file' },
      { id: 'a2', name: 'logo.png', size: 1000, contentType: 'image/png', isInline: true, attachmentType: 'file' },
      { id: 'a3', name: 'huge.zip', size: 30 * MB, contentType: 'application/zip', isInline: false, attachmentType: 'file' },
      { id: 'a4', name: 'link', size: 10, contentType: '', isInline: false, attachmentType: 'cloud' },
    ],
    getAttachmentContentAsync: (id: string, cb: (r: Result) => void) => cb(ok({ format: 'base64', content: `b64-${id}` })),
    ...over,
  });

  it('gives subject, sender, CCs, both bodies and the file attachments within the limit', async () => {
    install({ item: item() });
    expect(await messageContent()).toEqual({
      subject: 'Printer on fire',
      from: { email: 'pat@customer.test', name: 'Pat Customer' },
      receivedAt: '2025-03-01T09:30:00.000Z',
      bodyText: 'Help',
      bodyHtml: '<p>Help</p>',
      ccs: [{ email: 'kim@customer.test' }],
      attachments: [{ filename: 'photo.jpg', contentType: 'image/jpeg', contentBase64: 'b64-a1' }],
      skipped: ['huge.zip'],
    });
  });

  it('leaves out a file Outlook will not hand over, and rejects when the body cannot be read', async () => {
    install({ item: item({ getAttachmentContentAsync: (_id: string, cb: (r: Result) => void) => cb({ status: 'failed', error: { code: 9010, message: 'gone' } }) }) });
    expect((await messageContent()).skipped).toEqual(['huge.zip', 'photo.jpg']);
    install({ item: item({ body: { getAsync: (_t: string, cb: (r: Result) => void) => cb({ status: 'failed', error: { code: 9000, message: 'denied' } }) } }) });
    await expect(messageContent()).rejects.toMatchObject({ name: 'OfficeError', code: 9000 });
  });
});

describe('theme', () => {
  it("reads Office's body background as light or dark, light when Outlook has no theme", () => {
    install({}, { officeTheme: { bodyBackgroundColor: '#292929' } });
    expect(officeTheme()).toBe('dark');
    install({});
    expect(officeTheme()).toBe('light');
  });

  it('follows OfficeThemeChanged where the host raises it, and is a no-op where it refuses', async () => {
    let handler: ((arg: unknown) => void) | undefined;
    const removed = jest.fn();
    install({
      addHandlerAsync: (_type: string, h: (arg: unknown) => void, cb: (r: Result) => void) => {
        handler = h;
        cb(ok(undefined));
      },
      removeHandlerAsync: removed,
    });
    const seen: PaneTheme[] = [];
    const remove = await onOfficeThemeChanged((t) => seen.push(t));
    handler?.({ type: 'officeThemeChanged', officeTheme: { bodyBackgroundColor: '#1f1f1f' } });
    handler?.({ type: 'officeThemeChanged', officeTheme: { bodyBackgroundColor: '#ffffff' } });
    expect(seen).toEqual(['dark', 'light']);
    remove();
    expect(removed).toHaveBeenCalledWith('officeThemeChanged', expect.any(Function));

    install({ addHandlerAsync: (_t: string, _h: unknown, cb: (r: Result) => void) => cb({ status: 'failed', error: { code: 5000, message: 'no such event' } }) });
    await expect(onOfficeThemeChanged(() => undefined)).resolves.toEqual(expect.any(Function));
  });
});

it('opens an email in Outlook by converting its Graph id to an EWS id', () => {
  const displayMessageForm = jest.fn();
  const convertToEwsId = jest.fn((id: string, version: string) => `ews:${id}:${version}`);
  install({ displayMessageForm, convertToEwsId });
  expect(canOpenMessages()).toBe(true);
  openMessage('AAMk-graph_id');
  expect(displayMessageForm).toHaveBeenCalledWith('ews:AAMk-graph_id:v2.0');
  install({});
  expect(canOpenMessages()).toBe(false);
});
