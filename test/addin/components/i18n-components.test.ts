/** @jest-environment jsdom */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import type { NoTicketReason, SenderAuthFailure } from '../../../addin/api/types';
import type { PaneServices } from '../../../addin/services';
import { MAILBOX } from '../support/fixtures';
import { ADMIN, fakeServices } from '../support/fake-services';
import { el } from '../support/dom';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

/** The components this area converted, in English and Italian, and the mailbox language select. */

const { MailboxesView } = loadAddin<{ MailboxesView(props: { services: Pick<PaneServices, 'api' | 'consent'> }): ReactElement }>('components/MailboxesView');
const { SignInNeeded } = loadAddin<{ SignInNeeded(props: { busy: boolean; error: null; onSignIn(): void }): ReactElement }>('components/SignInNeeded');
const { SenderAuthWarning } = loadAddin<{ SenderAuthWarning(props: { failure: SenderAuthFailure }): ReactElement }>('components/SenderAuthWarning');
const { ErrorState } = loadAddin<{ ErrorState(props: { code: string; message: string; onRetry(): void }): ReactElement }>('components/ErrorState');

type Intl = { formatMessage(d: { id: string }, v?: Record<string, unknown>): string };
const { reasonText, reasonMessage } = loadAddin<{
  reasonText(reason: NoTicketReason, detail: string | null, intl?: Intl): { title: string; explanation: string };
  reasonMessage(reason: NoTicketReason, detail: string | null): { title: { id: string }; explanation: { id: string }; values: Record<string, unknown> };
}>('state/reasons');
const { createIntl } = jest.requireActual<{ createIntl(config: { locale: string; messages: Record<string, string> }): Intl }>('react-intl');
const { messagesFor } = loadAddin<{ messagesFor(locale: string): Record<string, string> }>('i18n/messages');
const italian = createIntl({ locale: 'it-IT', messages: messagesFor('it-IT') });

describe('mailboxes view', () => {
  const open = (locale: 'en-US' | 'it-IT', mailboxes = [MAILBOX]) => {
    const f = fakeServices({ session: ADMIN });
    f.mailboxes.push(...mailboxes);
    renderInFluent(h(MailboxesView, { services: f.services }), locale);
    return f;
  };

  it('counts ingested emails with plurals in English, and says failed syncs only when there are some', async () => {
    open('en-US', [MAILBOX, { ...MAILBOX, id: 6, address: 'one@contoso.test', health: { ...MAILBOX.health, messagesIngested: 1, consecutiveFailures: 2 } }]);
    const health = (await screen.findAllByTestId('mailbox-health')).map((e) => el(e).textContent ?? '');
    expect(health[0]).toContain('12 emails ingested');
    expect(health[0]).not.toContain('failed');
    expect(health[1]).toContain('1 email ingested · 2 failed syncs');
  });

  it('speaks Italian: state, health and actions', async () => {
    open('it-IT');
    expect(el(await screen.findByTestId('mailbox-state')).textContent).toBe('Attiva');
    expect(el(screen.getByTestId('mailbox-health')).textContent).toContain('12 email acquisite');
    expect(screen.getByRole('button', { name: 'Sospendi' })).toBeTruthy();
    expect(el(screen.getByTestId('link-submit')).textContent).toBe('Collega');
  });

  it("changes a mailbox's email language and reports it", async () => {
    const f = open('en-US');
    const valueOf = (e: unknown) => (e as { value: string }).value;
    const select = el(await screen.findByTestId('mailbox-language'));
    expect(valueOf(select)).toBe('en-US');
    f.mailboxes.splice(0, 1, { ...MAILBOX, language: 'it-IT' });
    fireEvent.change(select, { target: { value: 'it-IT' } });
    await waitFor(() => expect(f.api.setMailboxLanguage).toHaveBeenCalledWith(5, 'it-IT'));
    await waitFor(() => expect(el(screen.getByTestId('mailboxes-notice')).textContent).toBe('support@contoso.test now writes its emails in Italian.'));
    await waitFor(() => expect(valueOf(screen.getByTestId('mailbox-language'))).toBe('it-IT'));
  });
});

describe('other converted components in Italian', () => {
  it('asks to sign in', () => {
    renderInFluent(h(SignInNeeded, { busy: false, error: null, onSignIn: jest.fn() }), 'it-IT');
    expect(el(screen.getByTestId('sign-in')).textContent).toBe('Accedi');
    expect(screen.getByText('Accedi a Relaydesk')).toBeTruthy();
  });

  it('names the failed check in the sender warning', () => {
    renderInFluent(h(SenderAuthWarning, { failure: 'compauth_fail' }), 'it-IT');
    expect(screen.getByRole('group', { name: 'Autenticazione del mittente non riuscita (autenticazione composita)' })).toBeTruthy();
  });

  it('offers Riprova on an error', () => {
    renderInFluent(h(ErrorState, { code: 'network_error', message: 'x', onRetry: jest.fn() }), 'it-IT');
    expect(screen.getByRole('button', { name: 'Riprova' })).toBeTruthy();
  });
});

describe('no-ticket reasons', () => {
  it('keeps the English wording the pane always had', () => {
    expect(reasonText('suppressed', 'auto_response: Auto-Submitted=auto-replied').explanation).toContain('automatic reply');
    expect(reasonText('mailbox_not_linked', 'me@contoso.test').explanation).toContain('me@contoso.test is not linked');
    expect(reasonText('mailbox_not_linked', null).explanation).toMatch(/^This mailbox is not linked/);
    expect(reasonText('mailbox_not_syncing', 'paused').explanation).toContain('paused by an admin');
    expect(reasonText('waiting_for_sync', null).explanation).not.toContain('last sync');
  });

  it('gives ids and values, formatted in the pane language', () => {
    const m = reasonMessage('read_before_sync', '2025-03-01T09:40:00.000Z');
    expect(m.title.id).toBe('reason.read_before_sync.title');
    expect(m.values.last).toBeInstanceOf(Date);
    expect(reasonText('suppressed', 'mail_loop: x', italian).explanation).toContain('ciclo di email');
    expect(reasonText('suppressed', 'something_new', italian).explanation).toContain('un filtro l’ha messa da parte');
    expect(reasonText('read_before_sync', '2025-03-01T09:40:00.000Z', italian).explanation).toMatch(/\(1 mar 2025,? \d{1,2}:\d{2}\)/);
  });
});
