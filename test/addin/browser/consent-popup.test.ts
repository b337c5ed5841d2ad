/** @jest-environment jsdom */
import type { LinkResultMessage } from '../../../addin/api/types';
import { jsdomWindow, postToWindow } from '../support/dom';
import { loadAddin } from '../support/load-addin';

const { consentInPopup } = loadAddin<{ consentInPopup(url: () => Promise<string>): Promise<LinkResultMessage> }>('browser/consent-popup');

const RESULT = { type: 'relaydesk.link-result', ok: true, code: 'linked', message: 'ok', mailbox: { id: 1, address: 'support@contoso.test', state: 'active' } };

interface FakePopup {
  closed: boolean;
  location: { href: string };
  close: jest.Mock;
}

function openReturns(popup: FakePopup | null) {
  return jest.spyOn(jsdomWindow(), 'open').mockImplementation(() => popup);
}
const popupNamed = (): FakePopup => {
  const p: FakePopup = { closed: false, location: { href: 'about:blank' }, close: jest.fn(() => (p.closed = true)) };
  return p;
};
const post = postToWindow;

afterEach(() => jest.restoreAllMocks());

it('opens the window during the click (about:blank), then sends it to the authorize URL', async () => {
  const popup = popupNamed();
  const open = openReturns(popup);
  const done = consentInPopup(async () => 'https://login.example.test/authorize?state=1');
  expect(open).toHaveBeenCalledWith('about:blank', 'relaydesk-consent', expect.stringContaining('popup'));
  await new Promise((r) => setTimeout(r, 0));
  expect(popup.location.href).toBe('https://login.example.test/authorize?state=1');
  post(RESULT, popup);
  await expect(done).resolves.toEqual(RESULT);
  expect(popup.close).toHaveBeenCalled();
});

it('only accepts the result from its own popup, on its own origin', async () => {
  const popup = popupNamed();
  openReturns(popup);
  const done = consentInPopup(async () => 'https://login.example.test/authorize');
  await new Promise((r) => setTimeout(r, 0));
  post({ ...RESULT, code: 'forged-origin' }, popup, 'https://evil.test');
  post({ ...RESULT, code: 'forged-source' }, {});
  post('not a result', popup);
  post(RESULT, popup);
  await expect(done).resolves.toMatchObject({ code: 'linked' });
});

it('rejects with popup_blocked when the browser blocks the window', async () => {
  openReturns(null);
  await expect(consentInPopup(async () => 'https://x.test')).rejects.toMatchObject({ name: 'ConsentError', code: 'popup_blocked' });
});

it('rejects with consent_window_closed when the user closes the window first', async () => {
  jest.useFakeTimers();
  try {
    const popup = popupNamed();
    openReturns(popup);
    const done = consentInPopup(async () => 'https://login.example.test/authorize');
    await Promise.resolve();
    await Promise.resolve();
    popup.closed = true;
    jest.advanceTimersByTime(1000);
    await expect(done).rejects.toMatchObject({ code: 'consent_window_closed' });
  } finally {
    jest.useRealTimers();
  }
});

it('closes the window again when the server refuses to start the link', async () => {
  const popup = popupNamed();
  openReturns(popup);
  const refusal = Object.assign(new Error('already linked'), { code: 'already_linked' });
  await expect(consentInPopup(async () => Promise.reject(refusal))).rejects.toBe(refusal);
  expect(popup.close).toHaveBeenCalled();
});
