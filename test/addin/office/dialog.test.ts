/** @jest-environment jsdom */
import type { LinkResultMessage } from '../../../addin/api/types';
import type { OfficeError } from '../../../addin/office/types';
import { jsdomWindow } from '../support/dom';
import { loadAddin } from '../support/load-addin';
import { installOffice, type Callback, type OfficeFake } from '../support/office-mock';

const { dialogMessage } = loadAddin<{ dialogMessage(url: string): Promise<string> }>('office/dialog');
const { consentInDialog } = loadAddin<{ consentInDialog(url: () => Promise<string>, paneUrl: string): Promise<LinkResultMessage> }>('office/consent-dialog');
const { signInInDialog } = loadAddin<{ signInInDialog(paneUrl: string, loginHint: string | undefined): Promise<{ accessToken: string; expiresOn: Date; account: { username: string; name: string | null } }> }>('office/sign-in-dialog');
const { signInSucceeded, signInFailed } = loadAddin<{ signInSucceeded(token: string, expiresOn: Date, account: { username: string; name?: string }): string; signInFailed(code: string, message: string): string }>('auth/sign-in-result');

type DialogHandler = (arg: { message: string; origin: string | undefined } | { error: number }) => void;

/** A fake Office dialog: records what was opened and lets the test play the dialog's side. */
function withDialog(open: { fails?: { code: number; message: string } } = {}) {
  const handlers = new Map<string, DialogHandler>();
  const dialog = { addEventHandler: (type: string, h: DialogHandler) => handlers.set(type, h), close: jest.fn() };
  const opened: string[] = [];
  fake.office.context = Object.assign(fake.office.context, {
    ui: {
      displayDialogAsync: (url: string, _options: unknown, callback: Callback<typeof dialog>) => {
        opened.push(url);
        callback(open.fails ? { status: 'failed', error: open.fails } : { status: 'succeeded', value: dialog });
      },
    },
  });
  return {
    dialog,
    opened,
    message: (message: string, origin: string | undefined = jsdomWindow().location.origin) => handlers.get('dialogMessageReceived')?.({ message, origin }),
    event: (error: number) => handlers.get('dialogEventReceived')?.({ error }),
  };
}

let fake: OfficeFake;
beforeEach(() => (fake = installOffice()));
afterEach(() => fake.restore());

describe('dialogMessage', () => {
  it("resolves with the dialog's first message and closes the dialog", async () => {
    const d = withDialog();
    const answer = dialogMessage('https://localhost/addin/dialog-start.html');
    d.message('hello');
    await expect(answer).resolves.toBe('hello');
    expect(d.dialog.close).toHaveBeenCalledTimes(1);
    expect(d.opened).toEqual(['https://localhost/addin/dialog-start.html']);
  });

  it('ignores messages from another origin (DialogOrigin 1.1) and waits for our own page', async () => {
    const d = withDialog();
    const answer = dialogMessage('https://localhost/addin/dialog-start.html');
    d.message('forged', 'https://evil.test');
    d.message('ours');
    await expect(answer).resolves.toBe('ours');
  });

  it.each([
    [12006, 'the user closed the dialog'],
    [12002, 'the page could not load'],
  ])('rejects with Office code %d when %s', async (code) => {
    const d = withDialog();
    const answer = dialogMessage('https://localhost/x');
    d.event(code);
    expect(((await answer.catch((e: unknown) => e)) as OfficeError).code).toBe(code);
  });

  it('rejects with the code when the dialog cannot open at all (12007: another dialog is open)', async () => {
    withDialog({ fails: { code: 12007, message: 'A dialog box is already opened' } });
    expect(((await dialogMessage('https://localhost/x').catch((e: unknown) => e)) as OfficeError).code).toBe(12007);
  });
});

describe('consentInDialog', () => {
  const result = { type: 'relaydesk.link-result', ok: true, code: 'linked', message: 'support@contoso.test is linked and active.', mailbox: { id: 3, address: 'support@contoso.test', state: 'active' } };

  it("opens our dialog-start page with the authorize URL, and returns the callback page's result", async () => {
    const d = withDialog();
    const done = consentInDialog(async () => 'https://login.example.test/authorize?state=abc', 'https://relaydesk.test/addin/taskpane.html?_host_Info=x');
    await new Promise((r) => setTimeout(r, 0));
    const opened = new URL(d.opened[0] ?? '');
    expect(opened.origin + opened.pathname).toBe('https://relaydesk.test/addin/dialog-start.html');
    expect(new URLSearchParams(opened.hash.slice(1)).get('to')).toBe('https://login.example.test/authorize?state=abc');
    d.message(JSON.stringify(result));
    await expect(done).resolves.toEqual(result);
  });

  it.each([
    [12006, 'consent_window_closed'],
    [12004, 'dialog_failed'],
  ])('maps Office error %d to ConsentError %s', async (officeCode, code) => {
    const d = withDialog();
    const done = consentInDialog(async () => 'https://login.example.test/authorize', 'https://relaydesk.test/addin/taskpane.html');
    await new Promise((r) => setTimeout(r, 0));
    d.event(officeCode);
    await expect(done).rejects.toMatchObject({ name: 'ConsentError', code });
  });

  it('refuses an answer that is not a link result', async () => {
    const d = withDialog();
    const done = consentInDialog(async () => 'https://login.example.test/authorize', 'https://relaydesk.test/addin/taskpane.html');
    await new Promise((r) => setTimeout(r, 0));
    d.message('{"type":"something-else"}');
    await expect(done).rejects.toMatchObject({ code: 'dialog_failed' });
  });
});

describe('signInInDialog', () => {
  const PANE = 'https://relaydesk.test/addin/taskpane.html?_host_Info=Outlook';
  const opened = async (d: ReturnType<typeof withDialog>) => {
    await new Promise((r) => setTimeout(r, 0));
    return new URL(d.opened[0] ?? '');
  };

  it("opens our sign-in page with Outlook's user as the login hint, and returns the token it answers with", async () => {
    const d = withDialog();
    const done = signInInDialog(PANE, 'alex@contoso.test');
    const url = await opened(d);
    expect(url.origin + url.pathname).toBe('https://relaydesk.test/addin/sign-in.html');
    expect(url.searchParams.get('login_hint')).toBe('alex@contoso.test');
    d.message(signInSucceeded('header.payload.signature', new Date('2030-01-01T10:00:00Z'), { username: 'alex@contoso.test', name: 'Alex' }));
    await expect(done).resolves.toEqual({ accessToken: 'header.payload.signature', expiresOn: new Date('2030-01-01T10:00:00Z'), account: { username: 'alex@contoso.test', name: 'Alex' } });
  });

  it.each([
    ['the user closes the dialog', (d: ReturnType<typeof withDialog>) => d.event(12006), 'sign_in_cancelled'],
    ['the dialog cannot load the page', (d: ReturnType<typeof withDialog>) => d.event(12002), 'sign_in_failed'],
    ['the user cancels on the sign-in page', (d: ReturnType<typeof withDialog>) => d.message(signInFailed('sign_in_cancelled', 'Sign-in was cancelled')), 'sign_in_cancelled'],
    ['the sign-in fails', (d: ReturnType<typeof withDialog>) => d.message(signInFailed('sign_in_failed', 'invalid_client')), 'sign_in_failed'],
    ['the answer is something else', (d: ReturnType<typeof withDialog>) => d.message('{"type":"relaydesk.link-result","ok":true}'), 'sign_in_failed'],
  ])('rejects with AuthError when %s', async (_what, act, code) => {
    const d = withDialog();
    const done = signInInDialog(PANE, undefined);
    expect((await opened(d)).searchParams.has('login_hint')).toBe(false);
    act(d);
    await expect(done).rejects.toMatchObject({ name: 'AuthError', code });
  });
});

