/** @jest-environment jsdom */
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import { ApiError } from '../../../addin/api/client';
import type { LookupResult } from '../../../addin/api/types';
import { AuthError } from '../../../addin/auth/errors';
import type { PaneServices } from '../../../addin/services';
import { ITEM, MAILBOX, TICKET } from '../support/fixtures';
import { ADMIN, fakeServices } from '../support/fake-services';
import { el } from '../support/dom';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

/** The whole pane with fake services: states, ItemChanged, sign-in, and the admin's Mailboxes view. */

const { App } = loadAddin<{ App(props: { services: PaneServices }): ReactElement }>('components/App');

const OTHER = { ...ITEM, internetMessageId: '<q2@customer.test>', subject: 'Second' };
const found = (id: number): LookupResult => ({ ticket: { ...TICKET, id }, disposition: 'ticket_created' });
const status = () => el(screen.getByTestId('status'));
const shows = (state: string, messageId = '') =>
  waitFor(() => {
    expect(status().getAttribute('data-state')).toBe(state);
    expect(status().getAttribute('data-message-id')).toBe(messageId);
  });

it('shows the skeleton, then the ticket of the selected email', async () => {
  const f = fakeServices({ item: ITEM });
  f.lookups.set(ITEM.internetMessageId, found(42));
  renderInFluent(h(App, { services: f.services }));
  expect(screen.getByTestId('loading')).toBeTruthy();
  await shows('ticket', ITEM.internetMessageId);
  expect(el(screen.getByTestId('ticket-number')).textContent).toBe('#42 · RD-42');
  expect(f.api.lookup).toHaveBeenCalledWith({ internetMessageId: ITEM.internetMessageId, mailbox: ITEM.mailbox, receivedAt: ITEM.receivedAt });
});

it("warns on the card when the ticket's sender failed authentication, and only then", async () => {
  const f = fakeServices({ item: ITEM });
  f.lookups.set(ITEM.internetMessageId, { ticket: { ...TICKET, senderAuthFailure: 'dmarc_fail' }, disposition: 'ticket_created' });
  f.lookups.set(OTHER.internetMessageId, found(7));
  renderInFluent(h(App, { services: f.services }));
  await shows('ticket', ITEM.internetMessageId);
  expect(el(screen.getByRole('group', { name: 'Sender failed authentication (DMARC)' })).getAttribute('data-failure')).toBe('dmarc_fail');
  act(() => f.select(OTHER));
  await shows('ticket', OTHER.internetMessageId);
  expect(screen.queryByTestId('sender-auth-warning')).toBeNull();
});

it('follows ItemChanged: another ticket, no ticket, then nothing selected', async () => {
  const f = fakeServices({ item: ITEM });
  f.lookups.set(ITEM.internetMessageId, found(42));
  f.lookups.set(OTHER.internetMessageId, { ticket: null, reason: 'waiting_for_sync', detail: null });
  renderInFluent(h(App, { services: f.services }));
  await shows('ticket', ITEM.internetMessageId);
  act(() => f.select(OTHER));
  await shows('no_ticket', OTHER.internetMessageId);
  expect(el(screen.getByTestId('no-ticket')).getAttribute('data-reason')).toBe('waiting_for_sync');
  act(() => f.select(null));
  await shows('nothing_selected');
});

it('drops a slow answer for an email the user already left', async () => {
  const f = fakeServices({ item: ITEM });
  let release: (r: LookupResult) => void = () => undefined;
  f.lookups.set(ITEM.internetMessageId, () => new Promise((resolve) => (release = resolve)));
  f.lookups.set(OTHER.internetMessageId, found(7));
  renderInFluent(h(App, { services: f.services }));
  await waitFor(() => expect(f.api.lookup).toHaveBeenCalledTimes(1));
  act(() => f.select(OTHER));
  await shows('ticket', OTHER.internetMessageId);
  await act(async () => release(found(42)));
  expect(status().getAttribute('data-message-id')).toBe(OTHER.internetMessageId);
  expect(el(screen.getByTestId('ticket-number')).textContent).toBe('#7 · RD-42');
});

it('asks a signed-out user to sign in, and shows the ticket after sign-in', async () => {
  const f = fakeServices({ item: ITEM, session: null });
  f.lookups.set(ITEM.internetMessageId, found(42));
  renderInFluent(h(App, { services: f.services }));
  await shows('sign_in_needed');
  expect(f.api.lookup).not.toHaveBeenCalled();
  fireEvent.click(screen.getByTestId('sign-in'));
  await shows('ticket', ITEM.internetMessageId);
  expect(f.auth.signIn).toHaveBeenCalledTimes(1);
  expect(el(screen.getByTestId('signed-in-as')).textContent).toBe(ADMIN.username);
});

it('shows a failed sign-in with its code and keeps the button', async () => {
  const f = fakeServices({ item: ITEM, session: null });
  f.auth.signIn.mockRejectedValueOnce(new AuthError('sign_in_cancelled', 'Sign-in was cancelled'));
  renderInFluent(h(App, { services: f.services }));
  await shows('sign_in_needed');
  fireEvent.click(screen.getByTestId('sign-in'));
  await waitFor(() => expect(el(screen.getByTestId('sign-in-error')).getAttribute('data-code')).toBe('sign_in_cancelled'));
  expect(screen.getByTestId('sign-in')).toBeTruthy();
});

it('shows an error with the server code, and Retry loads again', async () => {
  const f = fakeServices({ item: ITEM });
  f.api.lookup.mockRejectedValueOnce(new ApiError(503, 'authority_unreachable', 'The identity provider is unreachable'));
  f.lookups.set(ITEM.internetMessageId, found(42));
  renderInFluent(h(App, { services: f.services }));
  await shows('error', ITEM.internetMessageId);
  expect(el(screen.getByTestId('error')).getAttribute('data-code')).toBe('authority_unreachable');
  fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
  await shows('ticket', ITEM.internetMessageId);
});

it('outside Outlook says so, and registers no ItemChanged handler', async () => {
  const f = fakeServices({ inOutlook: false });
  const spy = jest.spyOn(f.services, 'onItemChanged');
  renderInFluent(h(App, { services: f.services }));
  await shows('outside_outlook');
  expect(spy).not.toHaveBeenCalled();
});

describe('Mailboxes view', () => {
  it('is offered to admins only', async () => {
    const agent = fakeServices({ item: ITEM });
    const { unmount } = renderInFluent(h(App, { services: agent.services }));
    await shows('no_ticket', ITEM.internetMessageId);
    expect(screen.queryByTestId('tab-mailboxes')).toBeNull();
    unmount();
    renderInFluent(h(App, { services: fakeServices({ item: ITEM, session: ADMIN }).services }));
    await waitFor(() => expect(screen.getByTestId('tab-mailboxes')).toBeTruthy());
  });

  async function openMailboxes(f: ReturnType<typeof fakeServices>) {
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('tab-mailboxes'));
    return screen.findByTestId('mailboxes-view');
  }

  it('lists each mailbox with its state and health', async () => {
    const f = fakeServices({ item: ITEM, session: ADMIN });
    f.mailboxes.push(MAILBOX, { ...MAILBOX, id: 6, address: 'billing@contoso.test', state: 'needs_reauth', health: { ...MAILBOX.health, consecutiveFailures: 3, lastError: { code: 'invalid_grant', message: 'AADSTS70008' } } });
    await openMailboxes(f);
    const cards = (await screen.findAllByTestId('mailbox')).map(el);
    expect(cards.map((c) => [c.getAttribute('data-address'), c.getAttribute('data-state')])).toEqual([
      ['support@contoso.test', 'active'],
      ['billing@contoso.test', 'needs_reauth'],
    ]);
    expect(cards[0]?.textContent).toContain('12 emails ingested');
    expect(cards[1]?.querySelector('[data-testid="mailbox-error"]')?.getAttribute('data-code')).toBe('invalid_grant');
  });

  it('links a mailbox through the consent window and shows the result and the new list', async () => {
    const f = fakeServices({ item: ITEM, session: ADMIN });
    await openMailboxes(f);
    fireEvent.change(screen.getByTestId('link-address'), { target: { value: 'billing@contoso.test' } });
    f.mailboxes.push({ ...MAILBOX, id: 99, address: 'billing@contoso.test' });
    fireEvent.click(screen.getByTestId('link-submit'));
    await waitFor(() => expect(el(screen.getByTestId('mailboxes-notice')).getAttribute('data-code')).toBe('linked'));
    expect(f.api.linkMailbox).toHaveBeenCalledWith('billing@contoso.test', { mode: 'delegated' });
    expect(f.consent).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getAllByTestId('mailbox').map(el).map((c) => c.getAttribute('data-address'))).toEqual(['billing@contoso.test']));
  });

  it("shows the server's refusal code when linking fails", async () => {
    const f = fakeServices({ item: ITEM, session: ADMIN });
    f.api.linkMailbox.mockRejectedValueOnce(new ApiError(409, 'already_linked', 'support@contoso.test is already linked'));
    await openMailboxes(f);
    fireEvent.change(screen.getByTestId('link-address'), { target: { value: 'support@contoso.test' } });
    fireEvent.click(screen.getByTestId('link-submit'));
    await waitFor(() => expect(el(screen.getByTestId('mailboxes-notice')).getAttribute('data-code')).toBe('already_linked'));
  });

  it('pauses, and unlinks only after a confirming second click', async () => {
    const f = fakeServices({ item: ITEM, session: ADMIN });
    f.mailboxes.push(MAILBOX);
    await openMailboxes(f);
    fireEvent.click(await screen.findByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(f.api.pause).toHaveBeenCalledWith(5));
    await waitFor(() => expect(el(screen.getByTestId('mailboxes-notice')).getAttribute('data-code')).toBe('paused'));
    fireEvent.click(screen.getByRole('button', { name: 'Unlink' }));
    expect(f.api.unlink).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Unlink support@contoso.test' }));
    await waitFor(() => expect(f.api.unlink).toHaveBeenCalledWith(5));
  });

  it('re-authorizes through the consent window', async () => {
    const f = fakeServices({ item: ITEM, session: ADMIN });
    f.mailboxes.push({ ...MAILBOX, state: 'needs_reauth' });
    await openMailboxes(f);
    fireEvent.click(await screen.findByRole('button', { name: 'Re-authorize' }));
    await waitFor(() => expect(f.api.reauthorize).toHaveBeenCalledWith(5));
    expect(f.consent).toHaveBeenCalledTimes(1);
  });
});
