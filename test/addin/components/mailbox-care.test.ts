/** @jest-environment jsdom */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import type { MailboxView } from '../../../addin/api/types';
import type { PaneServices } from '../../../addin/services';
import { el } from '../support/dom';
import { ADMIN, fakeServices } from '../support/fake-services';
import { MAILBOX } from '../support/fixtures';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

/**
 * Mailbox care on the admin's cards: push state, what becomes of mail after ingest (with a clear error for a
 * folder that does not exist), credential warnings with a one-click re-authorize, and the first-sync choice.
 */

const { MailboxesView } = loadAddin<{ MailboxesView(props: { services: Pick<PaneServices, 'api' | 'consent'> }): ReactElement }>('components/MailboxesView');
const { ApiError } = loadAddin<{ ApiError: new (status: number, code: string, message: string) => Error }>('api/client');

const open = (mailboxes: MailboxView[], locale: 'en-US' | 'it-IT' = 'en-US') => {
  const f = fakeServices({ session: ADMIN });
  f.mailboxes.push(...mailboxes);
  renderInFluent(h(MailboxesView, { services: f.services }), locale);
  return f;
};
const click = (e: unknown) => fireEvent.click(e as Parameters<typeof fireEvent.click>[0]);
const change = (e: unknown, value: string) => fireEvent.change(e as Parameters<typeof fireEvent.change>[0], { target: { value } });
const text = (testId: string) => el(screen.getByTestId(testId)).textContent ?? '';

describe('push state', () => {
  it('says push is on, or off with the reason', async () => {
    open([MAILBOX, { ...MAILBOX, id: 6, address: 'off@contoso.test', push: { state: 'off', reason: 'PUBLIC_ORIGIN is not reachable from Microsoft' } }]);
    const push = (await screen.findAllByTestId('mailbox-push')).map((e) => el(e).textContent);
    expect(push).toEqual(['Push notifications on', 'Push notifications off: PUBLIC_ORIGIN is not reachable from Microsoft']);
  });
});

describe('after ingest', () => {
  it('saves "move" with the folder name through PATCH and reports it', async () => {
    const f = open([MAILBOX]);
    change(await screen.findByTestId('after-ingest-action'), 'move');
    expect(el(screen.getByTestId('after-ingest-save')).disabled).toBe(true);
    change(screen.getByTestId('after-ingest-folder'), ' Handled ');
    click(screen.getByTestId('after-ingest-save'));
    await waitFor(() => expect(f.api.setAfterIngest).toHaveBeenCalledWith(5, { action: 'move', folder: 'Handled' }));
    await waitFor(() => expect(el(screen.getByTestId('mailboxes-notice')).textContent).toBe('Saved what support@contoso.test does with an email once it is a ticket.'));
  });

  it('says which folder is missing when the server answers folder_not_found, in Italian too', async () => {
    const f = open([MAILBOX], 'it-IT');
    f.api.setAfterIngest.mockRejectedValueOnce(new ApiError(400, 'folder_not_found', 'No folder named Nope'));
    change(await screen.findByTestId('after-ingest-action'), 'move');
    change(screen.getByTestId('after-ingest-folder'), 'Nope');
    click(screen.getByTestId('after-ingest-save'));
    const notice = await screen.findByTestId('mailboxes-notice');
    expect(el(notice).getAttribute('data-code')).toBe('folder_not_found');
    expect(el(notice).textContent).toBe('support@contoso.test non ha una cartella di nome “Nope”. Controlla il nome in Outlook e riprova.');
    // The typed name stays, to be corrected.
    expect((screen.getByTestId('after-ingest-folder') as unknown as { value: string }).value).toBe('Nope');
  });

  it('sends no folder for mark read / leave unread', async () => {
    const f = open([{ ...MAILBOX, afterIngest: { action: 'move', folderName: 'Done' } }]);
    change(await screen.findByTestId('after-ingest-action'), 'leave_unread');
    click(screen.getByTestId('after-ingest-save'));
    await waitFor(() => expect(f.api.setAfterIngest).toHaveBeenCalledWith(5, { action: 'leave_unread' }));
  });
});

describe('credential warnings', () => {
  const warned = (warnings: MailboxView['credentials']['warnings']): MailboxView => ({ ...MAILBOX, credentials: { ...MAILBOX.credentials, warnings } });

  it('shows each warning at its level, most urgent first, and re-authorizes from the refresh-token one', async () => {
    const f = open([
      warned([
        { kind: 'client_secret_expiring', level: 'info', daysLeft: 20, message: 'x' },
        { kind: 'refresh_token_inactive', level: 'warning', daysLeft: 5, message: 'x' },
      ]),
    ]);
    const bars = await screen.findAllByTestId('credential-warning');
    expect(bars.map((b) => [el(b).getAttribute('data-kind'), el(b).getAttribute('data-level')])).toEqual([
      ['refresh_token_inactive', 'warning'],
      ['client_secret_expiring', 'info'],
    ]);
    expect(el(bars[0]).textContent).toContain("Microsoft drops this mailbox's sign-in in 5 days unless it is used.");
    expect(el(bars[1]).textContent).toContain("The app's client secret expires in 20 days");
    // Only the mailbox's own grant is renewed by re-authorizing; the app's secret is renewed in Entra.
    expect(screen.getAllByTestId('credential-reauthorize')).toHaveLength(1);
    click(screen.getByTestId('credential-reauthorize'));
    await waitFor(() => expect(f.api.reauthorize).toHaveBeenCalledWith(5));
    expect(f.consent).toHaveBeenCalledTimes(1);
  });

  it('says "today" on the last day, in Italian as well', async () => {
    open([warned([{ kind: 'refresh_token_inactive', level: 'critical', daysLeft: 0, message: 'x' }])], 'it-IT');
    expect(el(await screen.findByTestId('credential-warning')).textContent).toContain("Microsoft revoca l'accesso a questa casella oggi");
  });
});

describe('first sync', () => {
  const waiting: MailboxView = { ...MAILBOX, firstSync: { mode: null, days: null } };

  it('shows the unread count and dates, and confirms "only new mail" by default choice change', async () => {
    const f = open([waiting]);
    f.api.firstSyncPreview.mockResolvedValue({ unread: 12, oldest: '2025-11-03T10:00:00.000Z', newest: '2025-12-04T10:00:00.000Z', choice: null });
    // The preview is asked for after render; give it the answer above.
    await waitFor(() => expect(text('first-sync-summary')).toBe('12 unread messages in the Inbox, from Nov 3 to Dec 4.'));
    expect(f.api.firstSyncPreview).toHaveBeenCalledWith(5);
    expect((screen.getByTestId('first-sync-all_unread') as unknown as { checked: boolean }).checked).toBe(true);
    click(screen.getByTestId('first-sync-from_now'));
    click(screen.getByTestId('first-sync-confirm'));
    await waitFor(() => expect(f.api.chooseFirstSync).toHaveBeenCalledWith(5, { mode: 'from_now' }));
  });

  it('asks for 1-365 days for "the last days" and sends them', async () => {
    const f = open([waiting]);
    click(await screen.findByTestId('first-sync-last_days'));
    change(screen.getByTestId('first-sync-days'), '0');
    expect(el(screen.getByTestId('first-sync-confirm')).disabled).toBe(true);
    change(screen.getByTestId('first-sync-days'), '14');
    click(screen.getByTestId('first-sync-confirm'));
    await waitFor(() => expect(f.api.chooseFirstSync).toHaveBeenCalledWith(5, { mode: 'last_days', days: 14 }));
  });

  it('is not shown once the choice is made, nor for a mailbox still waiting for consent', async () => {
    open([MAILBOX, { ...waiting, id: 7, address: 'pending@contoso.test', state: 'pending' }]);
    await screen.findAllByTestId('mailbox');
    expect(screen.queryByTestId('first-sync')).toBeNull();
  });
});
