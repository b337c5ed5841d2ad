/** @jest-environment jsdom */
import { fireEvent, screen, within } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import type { SenderAuthFailure, TicketCard as TicketCardData } from '../../../addin/api/types';
import type { StatusState } from '../../../addin/state/status';
import { ITEM, TICKET } from '../support/fixtures';
import { el } from '../support/dom';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

interface SignIn {
  busy: boolean;
  error: { code: string; message: string } | null;
  onSignIn(): void;
}
const { TicketCard } = loadAddin<{ TicketCard(props: { ticket: TicketCardData }): ReactElement }>('components/TicketCard');
const { StatusView } = loadAddin<{ StatusView(props: { state: StatusState; signIn: SignIn; onRetry(): void }): ReactElement }>('components/StatusView');

const signIn = (over: Partial<SignIn> = {}): SignIn => ({ busy: false, error: null, onSignIn: jest.fn(), ...over });
const view = (state: StatusState, over: { signIn?: SignIn; onRetry?: () => void } = {}) =>
  renderInFluent(h(StatusView, { state, signIn: over.signIn ?? signIn(), onRetry: over.onRetry ?? jest.fn() }));
const text = (testId: string) => el(screen.getByTestId(testId)).textContent;

describe('TicketCard', () => {
  it('shows number, subject, status badge, requester, assignee, CCs and last update', () => {
    renderInFluent(h(TicketCard, { ticket: TICKET }));
    expect(text('ticket-number')).toBe('#42 · RD-42');
    expect(text('ticket-subject')).toBe('Printer on fire');
    expect(el(screen.getByText('Open')).getAttribute('data-status')).toBe('open');
    expect(text('ticket-requester')).toBe('Pat Customer <pat@customer.test>');
    expect(text('ticket-assignee')).toBe('alex@contoso.test');
    expect(text('ticket-ccs')).toBe('kim@customer.test, Lee <lee@customer.test>');
    expect(el(screen.getByTestId('ticket-updated')).querySelector('time')?.getAttribute('datetime')).toBe(TICKET.updatedAt);
  });

  it('says Unassigned and None rather than leaving blanks', () => {
    renderInFluent(h(TicketCard, { ticket: { ...TICKET, assignee: null, ccs: [], status: 'pending' } }));
    expect(text('ticket-assignee')).toBe('Unassigned');
    expect(text('ticket-ccs')).toBe('None');
    expect(el(screen.getByText('Pending')).getAttribute('data-status')).toBe('pending');
  });

  // A forged From gets no acknowledgement from the server; the agent must be told before replying to it, or
  // the reply does what the server refused to do: mail the attacker's text to whoever they put in From.
  it.each([
    ['dmarc_fail', 'Sender failed authentication (DMARC)'],
    ['compauth_fail', 'Sender failed authentication (composite authentication)'],
  ] as [SenderAuthFailure, string][])('warns, in a named group, that the %s sender got no acknowledgement', (failure, name) => {
    renderInFluent(h(TicketCard, { ticket: { ...TICKET, senderAuthFailure: failure } }));
    const warning = el(screen.getByRole('group', { name }));
    expect(warning.getAttribute('data-failure')).toBe(failure);
    expect(warning.textContent).toContain('No acknowledgement was sent. Check the sender before replying.');
    expect(el(within(screen.getByTestId('ticket-card')).getByTestId('sender-auth-warning'))).toBe(warning);
  });

  it('shows no authentication warning for a sender who passed or was not judged', () => {
    renderInFluent(h(TicketCard, { ticket: TICKET }));
    expect(screen.getByTestId('ticket-card')).toBeTruthy();
    expect(screen.queryByRole('group', { name: /Sender failed authentication/ })).toBeNull();
    expect(screen.queryByTestId('sender-auth-warning')).toBeNull();
    expect(screen.queryByText(/Sender failed authentication/)).toBeNull();
  });

  it('still warns about a failure code it does not know, without naming the check', () => {
    // A pane loaded before a server upgrade may meet a newer code; the warning must not turn into "(undefined)".
    renderInFluent(h(TicketCard, { ticket: { ...TICKET, senderAuthFailure: 'spf_fail' as unknown as SenderAuthFailure } }));
    const warning = el(screen.getByRole('group', { name: 'Sender failed authentication' }));
    expect(warning.getAttribute('data-failure')).toBe('spf_fail');
    expect(warning.textContent).not.toContain('undefined');
  });

  it('renders a subject with markup as text, never as HTML', () => {
    renderInFluent(h(TicketCard, { ticket: { ...TICKET, subject: '<img src=x onerror=alert(1)>' } }));
    expect(text('ticket-subject')).toBe('<img src=x onerror=alert(1)>');
    expect(el(screen.getByTestId('ticket-subject')).querySelector('img')).toBeNull();
  });
});

describe('StatusView', () => {
  it('marks which state it shows and for which email', () => {
    view({ kind: 'ticket', item: ITEM, ticket: TICKET, disposition: 'ticket_created' });
    const status = el(screen.getByTestId('status'));
    expect(status.getAttribute('data-state')).toBe('ticket');
    expect(status.getAttribute('data-message-id')).toBe(ITEM.internetMessageId);
    expect(within(screen.getByTestId('status')).getByTestId('ticket-card')).toBeTruthy();
  });

  it.each([
    ['loading', { kind: 'loading' }],
    ['nothing-selected', { kind: 'nothing_selected' }],
    ['outside-outlook', { kind: 'outside_outlook' }],
    ['no-message-id', { kind: 'no_message_id', item: { ...ITEM, internetMessageId: '' } }],
    ['sign-in-needed', { kind: 'sign_in_needed' }],
  ] as [string, StatusState][])('shows the %s state', (testId, state) => {
    view(state);
    expect(el(screen.getByTestId('status')).getAttribute('data-state')).toBe(state.kind);
    expect(screen.getByTestId(testId)).toBeTruthy();
  });

  it('explains a missing ticket in words, with the reason as data', () => {
    view({ kind: 'no_ticket', item: ITEM, reason: 'suppressed', detail: 'auto_response: Auto-Submitted=auto-replied' });
    expect(el(screen.getByTestId('no-ticket')).getAttribute('data-reason')).toBe('suppressed');
    expect(text('no-ticket-explanation')).toContain('automatic reply');
    expect(screen.getByText('auto_response: Auto-Submitted=auto-replied')).toBeTruthy();
  });

  it('shows an error with its code and a Retry that works', () => {
    const onRetry = jest.fn();
    view({ kind: 'error', item: ITEM, code: 'network_error', message: 'Relaydesk could not be reached' }, { onRetry });
    expect(el(screen.getByTestId('error')).getAttribute('data-code')).toBe('network_error');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it('asks for sign-in with a button, and shows why the last attempt failed', () => {
    const s = signIn({ error: { code: 'sign_in_blocked', message: 'The browser blocked the sign-in window' } });
    view({ kind: 'sign_in_needed' }, { signIn: s });
    expect(el(screen.getByTestId('sign-in-error')).getAttribute('data-code')).toBe('sign_in_blocked');
    fireEvent.click(screen.getByTestId('sign-in'));
    expect(s.onSignIn).toHaveBeenCalledTimes(1);
  });

  it('disables Sign in while a sign-in runs', () => {
    view({ kind: 'sign_in_needed' }, { signIn: signIn({ busy: true }) });
    expect(el(screen.getByTestId('sign-in')).disabled).toBe(true);
  });
});
