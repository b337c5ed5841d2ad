/** @jest-environment jsdom */
import type { HostInfo, MailItem, MessageContent, OfficeError } from '../../../addin/office/types';
import type { PaneTheme } from '../../../addin/state/theme';
import { jsdomWindow } from '../support/dom';
import { loadAddin } from '../support/load-addin';

/**
 * The preview's Office host (addin/office/preview/ over addin/preview/preview-host.ts) against the pane's own
 * Office code (addin/office/): whatever the pane asks of Office.js, the host answers as Outlook on the web does.
 * If the pane starts using a part of Office.js the host lacks, these fail rather than the preview in a browser.
 */

interface HostItem {
  restId: string;
  internetMessageId: string;
  subject: string;
  from: { address: string; name: string } | null;
  to: { address: string; name: string }[];
  cc: { address: string; name: string }[];
  receivedAt: string;
  owner: string | null;
}
interface HostLike {
  install(): void;
  select(item: HostItem | null): void;
  setTheme(theme: 'light' | 'dark'): void;
  onDisplayMessage: (restId: string) => void;
}
type HostCtor = new (win: unknown, initial: { user: { address: string; name: string }; language: string; theme: 'light' | 'dark' }, readBody: (id: string) => Promise<{ contentType: 'text' | 'html'; content: string }>) => HostLike;

const { PreviewHost } = loadAddin<{ PreviewHost: HostCtor }>('preview/preview-host');
const { officeNamespace } = loadAddin<{ officeNamespace(port: unknown, win: unknown): Record<string, unknown> }>('office/preview/office-namespace');
const { dialogNamespace } = loadAddin<{ dialogNamespace(port: unknown, win: unknown): { context: { ui: { messageParent(m: string): void } } } }>('office/preview/dialog-namespace');
const { PREVIEW_HOST_GLOBAL } = loadAddin<{ PREVIEW_HOST_GLOBAL: string }>('office/preview/host-port');
const { officeReady, currentItem, onItemChanged, userAddress } = loadAddin<{
  officeReady(): Promise<HostInfo>;
  currentItem(): Promise<MailItem | null>;
  onItemChanged(handler: () => void): Promise<() => Promise<void>>;
  userAddress(): string | undefined;
}>('office/mailbox');
const { messageContent } = loadAddin<{ messageContent(): Promise<MessageContent> }>('office/message-content');
const { officeTheme, onOfficeThemeChanged } = loadAddin<{ officeTheme(): PaneTheme; onOfficeThemeChanged(h: (t: PaneTheme) => void): Promise<() => void> }>('office/theme');
const { displayLanguage } = loadAddin<{ displayLanguage(host: HostInfo): string | undefined }>('office/display-language');
const { openMessage, canOpenMessages } = loadAddin<{ openMessage(id: string): void; canOpenMessages(): boolean }>('office/open-message');
const { dialogMessage } = loadAddin<{ dialogMessage(url: string): Promise<string> }>('office/dialog');
const { OfficeError: OfficeErrorClass } = loadAddin<{ OfficeError: typeof OfficeError }>('office/types');

const SUPPORT = 'support@contoso.test';
const ITEM: HostItem = {
  restId: 'AAMkAD-x_y=',
  internetMessageId: '<order-1@fabrikam.test>',
  subject: 'Order 1 has not arrived',
  from: { address: 'jordan@fabrikam.test', name: 'Jordan Miller' },
  to: [{ address: SUPPORT, name: 'Contoso Support' }],
  cc: [{ address: 'kim@fabrikam.test', name: 'Kim' }],
  receivedAt: '2026-12-05T09:30:00.000Z',
  owner: SUPPORT,
};

/** jsdom's window as this (DOM-less) program sees it. */
type Win = Record<string, unknown> & { location: { origin: string }; open(url?: string, target?: string, features?: string): unknown };
const win = () => jsdomWindow() as unknown as Win;
let host: HostLike;
let bodyReads: string[];

beforeEach(() => {
  bodyReads = [];
  host = new PreviewHost(win(), { user: { address: 'alex@contoso.test', name: 'Alex Wilber' }, language: 'it-IT', theme: 'light' }, async (id) => {
    bodyReads.push(id);
    return { contentType: 'html', content: '<p>Where is <b>my order</b>?</p>' };
  });
  host.install();
  win()['Office'] = officeNamespace(win()[PREVIEW_HOST_GLOBAL], win());
});
afterEach(() => {
  delete win()['Office'];
  jest.restoreAllMocks();
});

test('reports Outlook without nested app authentication, its user and its display language', async () => {
  const info = await officeReady();
  expect(info).toEqual({ inOutlook: true, nestedAppAuth: false });
  expect(userAddress()).toBe('alex@contoso.test');
  expect(displayLanguage(info)).toBe('it-IT');
});

test('nothing selected is a null item; a selection fires ItemChanged after the item changed, with the shared mailbox as its mailbox', async () => {
  expect(await currentItem()).toBeNull();
  const seen: (MailItem | null)[] = [];
  const remove = await onItemChanged(() => void currentItem().then((item) => seen.push(item)));
  host.select(ITEM);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(seen).toEqual([{ internetMessageId: ITEM.internetMessageId, subject: ITEM.subject, from: ITEM.from, mailbox: SUPPORT, receivedAt: ITEM.receivedAt }]);
  // Selecting the same email again is no change (Outlook fires nothing); after removal nothing fires either.
  host.select(ITEM);
  await remove();
  host.select(null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(seen).toHaveLength(1);
  expect(await currentItem()).toBeNull();
});

test('gives the email content for "Create ticket": the body as HTML and as text (read once), CCs, no attachments', async () => {
  host.select(ITEM);
  const content = await messageContent();
  expect(content).toMatchObject({ subject: ITEM.subject, from: { email: 'jordan@fabrikam.test', name: 'Jordan Miller' }, receivedAt: ITEM.receivedAt, ccs: [{ email: 'kim@fabrikam.test', name: 'Kim' }], attachments: [], skipped: [] });
  expect(content.bodyHtml).toBe('<p>Where is <b>my order</b>?</p>');
  expect(content.bodyText).toBe('Where is my order?');
  expect(bodyReads).toEqual([ITEM.restId]);
});

test("follows Office's theme: read at start, and the change event carries the new one", async () => {
  expect(officeTheme()).toBe('light');
  const themes: PaneTheme[] = [];
  await onOfficeThemeChanged((theme) => themes.push(theme));
  host.setTheme('dark');
  expect(themes).toEqual(['dark']);
  expect(officeTheme()).toBe('dark');
});

test('opens an email by its Graph id through displayMessageForm: the host gets the same id back', () => {
  const opened: string[] = [];
  host.onDisplayMessage = (id) => opened.push(id);
  expect(canOpenMessages()).toBe(true);
  openMessage(ITEM.restId);
  expect(opened).toEqual([ITEM.restId]);
});

describe('dialogs', () => {
  /** A dialog window as window.open returns it; `closed` is what the host polls. */
  const fakeWindow = () => ({ closed: false, close: jest.fn(function (this: { closed: boolean }) { this.closed = true; }) });
  const portOf = () => win()[PREVIEW_HOST_GLOBAL] as { dialogOf(w: unknown): unknown };
  const officeErrorCode = (error: unknown) => (error instanceof OfficeErrorClass ? error.code : error);

  test('a page in the dialog answers with messageParent: the pane gets the message with its origin, and the dialog closes', async () => {
    const dialog = fakeWindow();
    const open = jest.spyOn(win(), 'open').mockReturnValue(dialog);
    const answer = dialogMessage(`${win().location.origin}/preview/addin/sign-in.html`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(open).toHaveBeenCalledWith(`${win().location.origin}/preview/addin/sign-in.html`, 'relaydesk-preview-dialog', expect.stringContaining('popup'));
    // What the preview's office.js gives a page inside that window.
    const port = portOf().dialogOf(dialog);
    dialogNamespace(port, { location: { origin: win().location.origin } }).context.ui.messageParent('{"ok":true}');
    await expect(answer).resolves.toBe('{"ok":true}');
    expect(dialog.close).toHaveBeenCalled();
    // Closed: the window is no dialog of the host any more.
    expect(portOf().dialogOf(dialog)).toBeNull();
  });

  test('refuses another origin (12004), a second dialog (12007) and a blocked window (12009); a closed window is 12006', async () => {
    await expect(dialogMessage('https://elsewhere.example/x').catch(officeErrorCode)).resolves.toBe(12004);
    jest.spyOn(win(), 'open').mockReturnValueOnce(null);
    await expect(dialogMessage('/preview/addin/sign-in.html').catch(officeErrorCode)).resolves.toBe(12009);
    const dialog = fakeWindow();
    jest.spyOn(win(), 'open').mockReturnValue(dialog);
    const first = dialogMessage('/preview/addin/sign-in.html').catch(officeErrorCode);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(dialogMessage('/preview/addin/dialog-start.html').catch(officeErrorCode)).resolves.toBe(12007);
    dialog.closed = true;
    await expect(first).resolves.toBe(12006);
  });
});
