/** @jest-environment jsdom */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactElement } from 'react';
import type { MailboxView } from '../../../addin/api/types';
import type { PaneServices } from '../../../addin/services';
import { el } from '../support/dom';
import { ADMIN, fakeServices, type FakeServices } from '../support/fake-services';
import { MAILBOX } from '../support/fixtures';
import { loadAddin } from '../support/load-addin';
import { renderInFluent } from '../support/render';

/**
 * Shared mailboxes with the app's own access, in the admin's pane: the mode choice (preselected from the
 * server), a link that happens at once without a consent window, the tenant-wide warning with its fix and
 * "Link anyway", the Exchange Online script to copy, and cards that say App-only, Scoped or Tenant-wide.
 */

const { MailboxesView } = loadAddin<{ MailboxesView(props: { services: Pick<PaneServices, 'api' | 'consent'> }): ReactElement }>('components/MailboxesView');
const { ApiError } = loadAddin<{ ApiError: new (status: number, code: string, message: string, details?: unknown) => Error }>('api/client');

const SHARED: MailboxView = {
  ...MAILBOX,
  id: 7,
  address: 'help@contoso.test',
  authMode: 'application',
  appAccess: { scope: 'scoped', probe: 'ceo@contoso.test', checkedAt: '2025-03-01T08:00:00.000Z' },
  credentials: { ...MAILBOX.credentials, grantIssuedAt: null, refreshTokenLastUsedAt: null, refreshTokenExpiresAt: null },
};

const open = (options: { mailboxes?: MailboxView[]; mode?: 'delegated' | 'application'; locale?: 'en-US' | 'it-IT' } = {}): FakeServices => {
  const f = fakeServices({ session: ADMIN });
  f.mailboxes.push(...(options.mailboxes ?? []));
  if (options.mode) f.api.authConfig.mockResolvedValue({ authority: 'x', clientId: 'c', apiScope: 's', audience: 'c', mailboxLinkMode: options.mode });
  renderInFluent(h(MailboxesView, { services: f.services }), options.locale ?? 'en-US');
  return f;
};
const click = (e: unknown) => fireEvent.click(e as Parameters<typeof fireEvent.click>[0]);
const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId) as unknown as Parameters<typeof fireEvent.change>[0], { target: { value } });
const checked = (testId: string) => (screen.getByTestId(testId) as unknown as { checked: boolean }).checked;
const linkedAs = (f: FakeServices, address: string, mailbox: MailboxView) =>
  f.api.linkMailbox.mockImplementationOnce(async () => {
    f.mailboxes.push(mailbox);
    return { id: mailbox.id, address, state: mailbox.state, authorizeUrl: null, mailbox };
  });

describe('the link form', () => {
  it("preselects the server's mode, and delegated when the server names none", async () => {
    open({ mode: 'application' });
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    expect(screen.getByTestId('link-out-of-scope')).toBeTruthy();
  });

  it('keeps the delegated flow when the server prefers it: no out-of-scope field, no script', async () => {
    open();
    await waitFor(() => expect(checked('link-mode-delegated')).toBe(true));
    expect(screen.queryByTestId('link-out-of-scope')).toBeNull();
    expect(screen.queryByTestId('app-setup-toggle')).toBeNull();
  });
});

describe('linking a shared mailbox (app-only)', () => {
  it('links at once with the out-of-scope address, opens no consent window, says scoped and refreshes the list', async () => {
    const f = open({ mode: 'application' });
    linkedAs(f, 'help@contoso.test', SHARED);
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    type('link-address', ' help@contoso.test ');
    type('link-out-of-scope', 'ceo@contoso.test');
    click(screen.getByTestId('link-submit'));
    const notice = await screen.findByTestId('mailboxes-notice');
    expect(f.api.linkMailbox).toHaveBeenCalledWith('help@contoso.test', { mode: 'application', outOfScopeAddress: 'ceo@contoso.test' });
    expect(f.consent).not.toHaveBeenCalled();
    expect(el(notice).getAttribute('data-code')).toBe('linked');
    expect(el(notice).textContent).toBe('help@contoso.test is linked with app-only access, scoped: Relaydesk cannot read ceo@contoso.test.');
    await waitFor(() => expect(screen.getAllByTestId('mailbox').map((c) => el(c).getAttribute('data-address'))).toEqual(['help@contoso.test']));
  });

  it('leaves the out-of-scope address to the server when it is empty', async () => {
    const f = open({ mode: 'application' });
    linkedAs(f, 'help@contoso.test', SHARED);
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    type('link-address', 'help@contoso.test');
    click(screen.getByTestId('link-submit'));
    await screen.findByTestId('mailboxes-notice');
    expect(f.api.linkMailbox).toHaveBeenCalledWith('help@contoso.test', { mode: 'application' });
  });

  it('refuses to submit an out-of-scope address that is not one', async () => {
    open({ mode: 'application' });
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    type('link-address', 'help@contoso.test');
    type('link-out-of-scope', 'ceo');
    expect(el(screen.getByTestId('link-submit')).disabled).toBe(true);
  });

  it('explains app_not_scoped with the fix, and "Link anyway" resends with acceptTenantWide', async () => {
    const f = open({ mode: 'application' });
    f.api.linkMailbox.mockRejectedValueOnce(new ApiError(422, 'app_not_scoped', 'The app can read ceo@contoso.test', { probe: 'ceo@contoso.test' }));
    linkedAs(f, 'help@contoso.test', { ...SHARED, appAccess: { scope: 'tenant_wide', probe: 'ceo@contoso.test', checkedAt: null } });
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    type('link-address', 'help@contoso.test');
    click(screen.getByTestId('link-submit'));

    const warning = el(await screen.findByTestId('app-not-scoped'));
    expect(warning.getAttribute('data-probe')).toBe('ceo@contoso.test');
    expect(warning.textContent).toContain('help@contoso.test was not linked: the app can read every mailbox');
    expect(warning.textContent).toContain('Relaydesk could read ceo@contoso.test');
    expect(warning.textContent).toContain('remove the Mail.* application permissions of the app in Microsoft Entra');
    expect(screen.queryByTestId('mailboxes-notice')).toBeNull();

    click(screen.getByTestId('app-not-scoped-accept'));
    const notice = el(await screen.findByTestId('mailboxes-notice'));
    expect(f.api.linkMailbox).toHaveBeenLastCalledWith('help@contoso.test', { acceptTenantWide: true, mode: 'application' });
    expect(notice.textContent).toBe('help@contoso.test is linked with app-only access, tenant-wide: the app can read every mailbox of the tenant.');
    expect(screen.queryByTestId('app-not-scoped')).toBeNull();
  });

  it.each([
    ['mailbox_send_denied', 403],
    ['identity_refused', 502],
    ['scope_probe_inconclusive', 422],
  ])("shows %s with the server's message", async (code, status) => {
    const f = open({ mode: 'application' });
    f.api.linkMailbox.mockRejectedValueOnce(new ApiError(status, code, `refused: ${code}`));
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    type('link-address', 'help@contoso.test');
    click(screen.getByTestId('link-submit'));
    const notice = el(await screen.findByTestId('mailboxes-notice'));
    expect(notice.getAttribute('data-code')).toBe(code);
    expect(notice.textContent).toBe(`refused: ${code}`);
    expect(screen.queryByTestId('app-not-scoped')).toBeNull();
  });
});

describe('the Exchange Online setup', () => {
  // jsdom has no clipboard; the Node program that type-checks tests has no `navigator` type either.
  const setClipboard = (writeText: (text: string) => Promise<void>) =>
    Object.defineProperty((globalThis as unknown as { navigator: object }).navigator, 'clipboard', { value: { writeText }, configurable: true });

  it('shows the script for the typed address and copies it', async () => {
    const f = open({ mode: 'application' });
    const writeText = jest.fn(async () => undefined);
    setClipboard(writeText);
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    click(screen.getByTestId('app-setup-toggle'));
    expect(f.api.appOnlySetup).not.toHaveBeenCalled();
    type('link-address', 'help@contoso.test');
    const script = el(await screen.findByTestId('app-setup-script'));
    expect(f.api.appOnlySetup).toHaveBeenLastCalledWith(['help@contoso.test']);
    expect(script.textContent).toContain("-Member 'help@contoso.test'");
    expect(el(screen.getByTestId('app-setup-test')).textContent).toContain("-Resource 'help@contoso.test'");
    click(screen.getByTestId('app-setup-script-copy'));
    await waitFor(() => expect(el(screen.getByTestId('app-setup-script-copy')).textContent).toBe('Copied'));
    expect(writeText).toHaveBeenCalledWith(script.textContent);
  });

  it('says to copy by hand when the host refuses the clipboard', async () => {
    open({ mode: 'application' });
    setClipboard(async () => Promise.reject(new Error('denied')));
    await waitFor(() => expect(checked('link-mode-application')).toBe(true));
    type('link-address', 'help@contoso.test');
    click(screen.getByTestId('app-setup-toggle'));
    await screen.findByTestId('app-setup-script');
    click(screen.getByTestId('app-setup-test-copy'));
    expect(el(await screen.findByRole('status')).textContent).toBe('Copying is not allowed here: select the script and press Ctrl+C.');
  });
});

describe('an app-only mailbox card', () => {
  it('says App-only and Scoped with the probe, or Tenant-wide', async () => {
    open({ mailboxes: [SHARED, { ...SHARED, id: 8, address: 'sales@contoso.test', appAccess: { scope: 'tenant_wide', probe: 'ceo@contoso.test', checkedAt: null } }, MAILBOX] });
    const cards = (await screen.findAllByTestId('mailbox')).map(el);
    const access = cards.map((c) => c.querySelector('[data-testid="mailbox-app-access"]'));
    expect(access.map((a) => a?.getAttribute('data-scope') ?? null)).toEqual(['scoped', 'tenant_wide', null]);
    expect(access[0]?.textContent).toBe('App-onlyScopedCannot read ceo@contoso.test');
    expect(access[1]?.textContent).toBe('App-onlyTenant-wideCan read every mailbox, ceo@contoso.test included');
  });

  it('re-checks access at once, with no consent window, and reports the result', async () => {
    const f = open({ mailboxes: [SHARED] });
    f.api.reauthorize.mockResolvedValueOnce({ authorizeUrl: null, mailbox: SHARED });
    click(await screen.findByRole('button', { name: 'Re-check access' }));
    const notice = el(await screen.findByTestId('mailboxes-notice'));
    expect(f.api.reauthorize).toHaveBeenCalledWith(7, {});
    expect(f.consent).not.toHaveBeenCalled();
    expect(notice.textContent).toBe('Access to help@contoso.test checked: scoped, Relaydesk cannot read ceo@contoso.test.');
  });

  it('shows why a re-check failed', async () => {
    const f = open({ mailboxes: [{ ...SHARED, state: 'needs_reauth', stateReason: 'The app can no longer read help@contoso.test: it left the scope' }] });
    f.api.reauthorize.mockRejectedValueOnce(new ApiError(403, 'mailbox_access_denied', 'The app cannot read help@contoso.test'));
    expect(el(await screen.findByTestId('mailbox-state-reason')).textContent).toBe('The app can no longer read help@contoso.test: it left the scope');
    click(screen.getByRole('button', { name: 'Re-check access' }));
    const notice = el(await screen.findByTestId('mailboxes-notice'));
    expect(notice.getAttribute('data-code')).toBe('mailbox_access_denied');
    expect(notice.textContent).toBe('The app cannot read help@contoso.test');
  });

  it('keeps re-authorize and the consent window for a delegated mailbox', async () => {
    const f = open({ mailboxes: [MAILBOX] });
    click(await screen.findByRole('button', { name: 'Re-authorize' }));
    await screen.findByTestId('mailboxes-notice');
    expect(f.consent).toHaveBeenCalledTimes(1);
    expect(f.api.reauthorize).toHaveBeenCalledWith(5);
  });

  it('shows no refresh-token warning in application mode', async () => {
    open({ mailboxes: [{ ...SHARED, credentials: { ...SHARED.credentials, warnings: [{ kind: 'refresh_token_inactive', level: 'warning', daysLeft: 5, message: 'x' }] } }] });
    await screen.findByTestId('mailbox');
    expect(screen.queryByTestId('credential-warning')).toBeNull();
  });
});

describe('in Italian', () => {
  it('words the mode choice, the badges and the re-check in Italian', async () => {
    open({ mailboxes: [SHARED], mode: 'application', locale: 'it-IT' });
    await screen.findByRole('button', { name: "Verifica di nuovo l'accesso" });
    expect(screen.getByText('Casella condivisa (solo app)')).toBeTruthy();
    expect(el(screen.getByTestId('mailbox-app-access')).textContent).toBe('Solo appLimitataNon può leggere ceo@contoso.test');
  });
});
