/** @jest-environment jsdom */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import { ApiError, TicketChangedError } from '../../../addin/api/client';
import type { Agent, TicketCard, TicketDetail } from '../../../addin/api/types';
import type { PaneServices } from '../../../addin/services';
import { draftKey } from '../../../addin/state/drafts';
import { el } from '../support/dom';
import { fakeServices, memoryStorage } from '../support/fake-services';
import { COLLEAGUE, DETAIL, ME, TICKET } from '../support/fixtures';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

/** The agents' workspace on one ticket: conversation, optimistic actions, conflicts, drafts, downloads. */

interface WorkspaceProps {
  services: PaneServices;
  initial: TicketCard | TicketDetail;
  me: Agent | null;
  agents: Agent[] | null;
  user: string;
  onBack?: () => void;
}
const { TicketWorkspace } = loadAddin<{ TicketWorkspace(props: WorkspaceProps): ReactElement }>('components/workspace/TicketWorkspace');

const USER = 'alex@contoso.test';
function open(over: { initial?: TicketCard | TicketDetail; storage?: ReturnType<typeof memoryStorage>; visibility?: PaneServices['visibility'] } = {}) {
  const f = fakeServices();
  if (over.storage) f.services.storage = over.storage;
  if (over.visibility) f.services.visibility = over.visibility;
  renderInFluent(h(TicketWorkspace, { services: f.services, initial: over.initial ?? TICKET, me: ME, agents: [ME, COLLEAGUE], user: USER }));
  return f;
}
const view = () => el(screen.getByTestId('ticket-view'));
const loaded = () => screen.findByTestId('conversation');
const select = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const typeDraft = async (text: string) => fireEvent.change(await screen.findByTestId('composer-body'), { target: { value: text } });

it('shows the lookup card at once, then the conversation with each kind visibly marked', async () => {
  const f = open();
  expect(el(screen.getByTestId('ticket-number')).textContent).toBe('#42 · RD-42');
  await loaded();
  expect(f.api.ticket).toHaveBeenCalledWith(42, null);
  expect(view().getAttribute('data-version')).toBe('3');
  const comments = screen.getAllByTestId('comment');
  // Newest first by default.
  expect(comments.map(el).map((c) => [c.getAttribute('data-comment-id'), c.getAttribute('data-kind')])).toEqual([
    ['102', 'note'],
    ['101', 'reply'],
    ['100', 'customer'],
  ]);
  expect(within(comments[0]!).getByText('Internal note')).toBeTruthy();
  expect(el(screen.getByTestId('ticket-followers')).textContent).toBe('None');
  expect(el(screen.getByTestId('ticket-mailbox')).textContent).toBe('support@contoso.test');
});

it("shows the customer's HTML only in a script-less sandbox, remote images blocked until asked", async () => {
  open();
  await loaded();
  const frame = el(screen.getByTestId('comment-html'));
  expect(frame.getAttribute('sandbox')).toBe('');
  const srcdoc = frame.getAttribute('srcdoc') ?? '';
  expect(srcdoc).toContain("img-src data: cid:\"");
  expect(srcdoc).toContain('<b>on fire</b>');
  fireEvent.click(screen.getByTestId('show-images'));
  expect(el(screen.getByTestId('comment-html')).getAttribute('srcdoc')).toContain('img-src data: cid: https:');
  expect(screen.queryByTestId('show-images')).toBeNull();
});

it('switches the order and remembers it', async () => {
  const storage = memoryStorage();
  open({ storage });
  await loaded();
  fireEvent.click(screen.getByTestId('conversation-order'));
  expect(el(screen.getByTestId('conversation')).getAttribute('data-order')).toBe('oldest');
  expect(el(screen.getAllByTestId('comment')[0]).getAttribute('data-comment-id')).toBe('100');
  expect(storage.getItem('relaydesk.conversation-order')).toBe('oldest');
});

it('changes the status at once with If-Match on the version, then shows Saved', async () => {
  const f = open();
  await loaded();
  let answer: (t: TicketDetail) => void = () => undefined;
  f.api.update.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
  select('status-select', 'pending');
  expect(el(screen.getByTestId('ticket-status')).getAttribute('data-status')).toBe('pending');
  expect(view().getAttribute('data-sync')).toBe('saving');
  await waitFor(() => expect(f.api.update).toHaveBeenCalledWith(42, { status: 'pending' }, 3));
  await act(async () => answer({ ...DETAIL, status: 'pending', version: 4 }));
  expect(view().getAttribute('data-sync')).toBe('saved');
  expect(view().getAttribute('data-version')).toBe('4');
  expect(el(screen.getByTestId('saved-indicator')).textContent).toBe('Saved');
});

it('rolls an assignment back when the server refuses it, with the error code', async () => {
  const f = open();
  await loaded();
  f.api.update.mockRejectedValueOnce(new ApiError(403, 'forbidden', 'no'));
  select('assignee-select', String(COLLEAGUE.id));
  expect(el(screen.getByTestId('ticket-assignee')).textContent).toBe(COLLEAGUE.email);
  await waitFor(() => expect(el(screen.getByTestId('action-error')).getAttribute('data-code')).toBe('forbidden'));
  expect(el(screen.getByTestId('ticket-assignee')).textContent).toBe(TICKET.assignee?.email);
  expect(f.api.update).toHaveBeenCalledWith(42, { assigneeId: COLLEAGUE.id }, 3);
});

it('runs quick successive actions one after the other, each on the version the previous one made', async () => {
  const f = open();
  await loaded();
  f.api.update.mockResolvedValueOnce({ ...DETAIL, status: 'hold', version: 4 });
  f.api.follow.mockResolvedValueOnce({ ...DETAIL, status: 'hold', followers: [ME], version: 5 });
  select('status-select', 'hold');
  fireEvent.click(screen.getByTestId('follow-toggle'));
  await waitFor(() => expect(view().getAttribute('data-version')).toBe('5'));
  expect(f.api.follow).toHaveBeenCalledWith(42, ME.id, 4);
  expect(el(screen.getByTestId('follow-toggle')).getAttribute('aria-pressed')).toBe('true');
});

it('on a conflict adopts the new ticket, says what changed, and keeps the draft', async () => {
  const storage = memoryStorage();
  const f = open({ storage });
  await loaded();
  const theirs: TicketDetail = {
    ...DETAIL,
    version: 7,
    status: 'solved',
    comments: [...DETAIL.comments, { ...DETAIL.comments[1]!, id: 103, bodyText: 'Fixed it.', author: { id: 10, email: COLLEAGUE.email, name: 'Sam' } }],
  };
  f.api.comment.mockRejectedValueOnce(new TicketChangedError('changed', theirs));
  await typeDraft('We are on our way');
  fireEvent.click(screen.getByTestId('composer-send'));
  const banner = await screen.findByTestId('conflict-banner');
  expect(el(banner).textContent).toContain('Status is now Solved.');
  expect(el(banner).textContent).toContain('1 new comment.');
  expect(view().getAttribute('data-sync')).toBe('conflict');
  expect(view().getAttribute('data-version')).toBe('7');
  expect(el(screen.getByTestId('ticket-status')).getAttribute('data-status')).toBe('solved');
  expect((screen.getByTestId('composer-body') as unknown as { value: string }).value).toBe('We are on our way');
  expect(JSON.parse(storage.getItem(draftKey(USER, 42)) ?? '{}')).toMatchObject({ reply: 'We are on our way' });
  fireEvent.click(screen.getByTestId('conflict-reload'));
  await waitFor(() => expect(screen.queryByTestId('conflict-banner')).toBeNull());
});

it('sends a reply to the requester and CCs, and forgets the draft once the server has it', async () => {
  const storage = memoryStorage();
  const f = open({ storage });
  await loaded();
  expect(el(await screen.findByTestId('composer-recipients')).textContent).toBe('To: Pat Customer <pat@customer.test>; Cc: kim@customer.test, Lee <lee@customer.test>');
  f.api.comment.mockResolvedValueOnce({ ...DETAIL, status: 'pending', version: 4 });
  await typeDraft('Done.');
  fireEvent.click(screen.getByTestId('composer-send-pending'));
  await waitFor(() => expect(f.api.comment).toHaveBeenCalledWith(42, { body: 'Done.', visibility: 'public', status: 'pending' }, 3));
  await waitFor(() => expect((screen.getByTestId('composer-body') as unknown as { value: string }).value).toBe(''));
  expect(storage.getItem(draftKey(USER, 42))).toBeNull();
});

it('writes an internal note to followers, and brings back a stored draft', async () => {
  const storage = memoryStorage();
  storage.setItem(draftKey(USER, 42), JSON.stringify({ mode: 'note', reply: '', note: 'Call facilities' }));
  const f = open({ storage, initial: { ...DETAIL, followers: [COLLEAGUE] } });
  const composer = el(await screen.findByTestId('composer'));
  expect(composer.getAttribute('data-mode')).toBe('note');
  expect(el(screen.getByTestId('composer-recipients')).textContent).toContain('Sam <sam@contoso.test>');
  f.api.comment.mockResolvedValueOnce({ ...DETAIL, version: 4 });
  fireEvent.click(screen.getByTestId('composer-send'));
  await waitFor(() => expect(f.api.comment).toHaveBeenCalledWith(42, { body: 'Call facilities', visibility: 'internal' }, 3));
  // A full ticket given at the start is shown without asking the server again.
  expect(f.api.ticket).not.toHaveBeenCalled();
});

it('adds and removes CCs', async () => {
  const f = open();
  await loaded();
  f.api.addCc.mockResolvedValueOnce({ ...DETAIL, version: 4, ccs: [...DETAIL.ccs, { id: 20, email: 'new@customer.test', name: null }] });
  fireEvent.change(screen.getByTestId('cc-input'), { target: { value: 'new@customer.test' } });
  fireEvent.click(screen.getByTestId('cc-add'));
  await waitFor(() => expect(f.api.addCc).toHaveBeenCalledWith(42, { email: 'new@customer.test' }, 3));
  await waitFor(() => expect(view().getAttribute('data-version')).toBe('4'));
  f.api.removeCc.mockResolvedValueOnce({ ...DETAIL, version: 5, ccs: DETAIL.ccs.slice(1) });
  fireEvent.click(screen.getAllByTestId('cc-remove').find((b) => el(b).getAttribute('data-email') === 'kim@customer.test')!);
  await waitFor(() => expect(f.api.removeCc).toHaveBeenCalledWith(42, 2, 4));
  await waitFor(() => expect(el(screen.getByTestId('ticket-ccs')).textContent).toBe('Lee <lee@customer.test>'));
});

it('downloads an attachment through the API and saves it under its name', async () => {
  const f = open();
  await loaded();
  const blob = new Blob(['jpg']);
  f.api.attachment.mockResolvedValueOnce(blob);
  fireEvent.click(screen.getByTestId('comment-attachment'));
  await waitFor(() => expect(f.services.saveFile).toHaveBeenCalledWith(blob, 'photo.jpg'));
  expect(f.api.attachment).toHaveBeenCalledWith(42, 7);
});

describe('live poll', () => {
  afterEach(() => jest.useRealTimers());

  it('asks every 3 s with the ETag while visible, shows what others wrote without touching the draft, and stops when hidden', async () => {
    jest.useFakeTimers();
    let visible = true;
    const handlers = new Set<() => void>();
    const f = open({ visibility: { isVisible: () => visible, onChange: (fn) => (handlers.add(fn), () => handlers.delete(fn)) } });
    await loaded();
    await typeDraft('Half-written');
    f.api.ticket.mockClear();
    f.api.ticket.mockResolvedValueOnce('not_modified');
    await act(() => jest.advanceTimersByTimeAsync(3000));
    expect(f.api.ticket).toHaveBeenLastCalledWith(42, '"3"');
    const theirs = { ...DETAIL, version: 4, comments: [...DETAIL.comments, { ...DETAIL.comments[0]!, id: 104, bodyHtml: null, bodyText: 'Any news?', createdAt: '2025-03-01T10:00:00.000Z' }] };
    f.api.ticket.mockResolvedValueOnce({ ticket: theirs, etag: '"4"' });
    await act(() => jest.advanceTimersByTimeAsync(3000));
    expect(el(screen.getAllByTestId('comment')[0]).getAttribute('data-comment-id')).toBe('104');
    expect(view().getAttribute('data-version')).toBe('4');
    expect((screen.getByTestId('composer-body') as unknown as { value: string }).value).toBe('Half-written');
    visible = false;
    act(() => handlers.forEach((fn) => fn()));
    const calls = f.api.ticket.mock.calls.length;
    await act(() => jest.advanceTimersByTimeAsync(30_000));
    expect(f.api.ticket).toHaveBeenCalledTimes(calls);
  });
});
