/** @jest-environment jsdom */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import { ApiError } from '../../../addin/api/client';
import type { TicketSummary } from '../../../addin/api/types';
import type { PaneServices } from '../../../addin/services';
import { el } from '../support/dom';
import { fakeServices } from '../support/fake-services';
import { DETAIL, ITEM, TICKET } from '../support/fixtures';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

/** The whole pane around the workspace: theme, the Tickets queue, and making a ticket of an email. */

const { App } = loadAddin<{ App(props: { services: PaneServices }): ReactElement }>('components/App');

const row = (id: number, over: Partial<TicketSummary> = {}): TicketSummary => ({ ...TICKET, id, subject: `Ticket ${id}`, ...over });

it("follows Office's theme and names theme and language on <main>", async () => {
  const f = fakeServices({ item: null });
  f.services.theme = () => 'dark';
  renderInFluent(h(App, { services: f.services }));
  const main = el(await screen.findByRole('main'));
  expect(main.getAttribute('data-theme')).toBe('dark');
  expect(main.getAttribute('data-locale')).toBe('en-US');
});

describe('Tickets tab', () => {
  it('lists my open tickets, pages with Load more, and switches lists', async () => {
    const f = fakeServices({ item: null });
    f.api.tickets.mockResolvedValueOnce({ tickets: [row(1), row(2)], nextCursor: 2 }).mockResolvedValueOnce({ tickets: [row(3)], nextCursor: null });
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('tab-queue'));
    await waitFor(() => expect(screen.getAllByTestId('queue-row')).toHaveLength(2));
    expect(el(screen.getByTestId('queue')).getAttribute('data-filter')).toBe('mine');
    expect(f.api.tickets).toHaveBeenLastCalledWith({ assignee: 'me', status: ['new', 'open', 'pending', 'hold'], limit: 25 });
    fireEvent.click(screen.getByTestId('queue-more'));
    await waitFor(() => expect(screen.getAllByTestId('queue-row')).toHaveLength(3));
    expect(f.api.tickets).toHaveBeenLastCalledWith(expect.objectContaining({ cursor: 2 }));
    expect(screen.queryByTestId('queue-more')).toBeNull();
    fireEvent.click(screen.getByTestId('queue-filter-unassigned'));
    await waitFor(() => expect(f.api.tickets).toHaveBeenLastCalledWith({ assignee: 'none', status: ['new', 'open'], limit: 25 }));
    expect(el(screen.getByTestId('queue')).getAttribute('data-filter')).toBe('unassigned');
  });

  it('searches on Enter', async () => {
    const f = fakeServices({ item: null });
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('tab-queue'));
    const search = await screen.findByTestId('queue-search');
    fireEvent.change(search, { target: { value: 'printer' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(f.api.tickets).toHaveBeenLastCalledWith({ q: 'printer', limit: 25 }));
    expect(el(screen.getByTestId('queue')).getAttribute('data-filter')).toBe('search');
  });

  it('opens a row with Enter in the workspace, and goes back to the list', async () => {
    const f = fakeServices({ item: null });
    f.api.tickets.mockResolvedValue({ tickets: [row(42)], nextCursor: null });
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('tab-queue'));
    fireEvent.keyDown(await screen.findByTestId('queue-row'), { key: 'Enter' });
    await screen.findByTestId('conversation');
    expect(el(screen.getByTestId('ticket-view')).getAttribute('data-ticket-id')).toBe('42');
    expect(f.api.ticket).toHaveBeenCalledWith(42, null);
    fireEvent.click(screen.getByTestId('queue-back'));
    await screen.findByTestId('queue-row');
    expect(screen.queryByTestId('ticket-view')).toBeNull();
  });
});

describe('Create ticket', () => {
  it('asks the server to read a known mailbox, then shows the new ticket', async () => {
    const f = fakeServices({ item: ITEM });
    f.lookups.set(ITEM.internetMessageId, { ticket: null, reason: 'read_before_sync', detail: null });
    f.api.createFromMessage.mockResolvedValueOnce({ ticket: { ...DETAIL, id: 77 }, created: true, source: 'graph' });
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('create-ticket'));
    await waitFor(() => expect(el(screen.getByTestId('ticket-view')).getAttribute('data-ticket-id')).toBe('77'));
    expect(f.api.createFromMessage).toHaveBeenCalledWith({ internetMessageId: ITEM.internetMessageId, mailbox: ITEM.mailbox });
    expect(f.services.messageContent).not.toHaveBeenCalled();
    expect(el(screen.getByTestId('status')).getAttribute('data-state')).toBe('ticket');
  });

  it('for a mailbox that is not linked, copies the email from Outlook and sends the chosen mailbox', async () => {
    const f = fakeServices({ item: ITEM });
    f.lookups.set(ITEM.internetMessageId, { ticket: null, reason: 'mailbox_not_linked', detail: 'me@contoso.test' });
    f.api.mailboxes.mockRejectedValue(new ApiError(403, 'forbidden', 'admins only'));
    f.api.createFromMessage.mockResolvedValueOnce({ ticket: { ...DETAIL, id: 78 }, created: true, source: 'pane' });
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('create-ticket'));
    fireEvent.change(await screen.findByTestId('create-ticket-mailbox'), { target: { value: 'support@contoso.test' } });
    fireEvent.click(screen.getByTestId('create-ticket-submit'));
    await waitFor(() => expect(el(screen.getByTestId('ticket-view')).getAttribute('data-ticket-id')).toBe('78'));
    expect(f.api.createFromMessage).toHaveBeenCalledWith({
      internetMessageId: ITEM.internetMessageId,
      mailbox: ITEM.mailbox,
      replyMailbox: 'support@contoso.test',
      message: { subject: 'Help', from: { email: 'pat@customer.test' }, bodyText: 'Help me' },
    });
  });

  it('falls back to copying when the server answers that it needs a reply mailbox', async () => {
    const f = fakeServices({ item: ITEM });
    f.lookups.set(ITEM.internetMessageId, { ticket: null, reason: 'unknown_message', detail: null });
    f.api.createFromMessage.mockRejectedValueOnce(new ApiError(422, 'reply_mailbox_required', 'name one'));
    renderInFluent(h(App, { services: f.services }));
    fireEvent.click(await screen.findByTestId('create-ticket'));
    expect(await screen.findByTestId('create-ticket-mailbox')).toBeTruthy();
    expect(screen.queryByTestId('action-error')).toBeNull();
  });

  it('is not offered for a dead-lettered email, and shows a failure with its code', async () => {
    const f = fakeServices({ item: ITEM });
    f.lookups.set(ITEM.internetMessageId, { ticket: null, reason: 'dead_letter', detail: 'parse_failed' });
    const { unmount } = renderInFluent(h(App, { services: f.services }));
    await screen.findByTestId('no-ticket');
    expect(screen.queryByTestId('create-ticket')).toBeNull();
    unmount();

    const g = fakeServices({ item: ITEM });
    g.api.createFromMessage.mockRejectedValueOnce(new ApiError(403, 'forbidden', 'agents only'));
    renderInFluent(h(App, { services: g.services }));
    fireEvent.click(await screen.findByTestId('create-ticket'));
    await waitFor(() => expect(el(screen.getByTestId('action-error')).getAttribute('data-code')).toBe('forbidden'));
  });
});
