/** @jest-environment jsdom */
import type { AuthConfig } from '../../../addin/api/types';
import type { Auth } from '../../../addin/auth/types';
import type { HostInfo } from '../../../addin/office/types';
import { fillJsdomGaps } from '../support/dom';
import { loadAddin } from '../support/load-addin';

/**
 * addin/auth/msal-auth.ts with msal-browser's factories replaced by a fake PublicClientApplication (the real
 * popup flow runs in test/e2e/addin/). Checks which factory is used (nested app authentication or standard),
 * the configuration, and how MSAL's errors become the pane's codes.
 */

type Fake = {
  getActiveAccount: jest.Mock;
  getAllAccounts: jest.Mock;
  setActiveAccount: jest.Mock;
  acquireTokenSilent: jest.Mock;
  acquireTokenPopup: jest.Mock;
};
let pca: Fake;
const created: { factory: string; configuration: Record<string, unknown> }[] = [];

jest.mock('@azure/msal-browser', () => {
  const actual = jest.requireActual('@azure/msal-browser');
  const make = (factory: string) => async (configuration: Record<string, unknown>) => {
    created.push({ factory, configuration });
    return pca;
  };
  return { ...actual, createNestablePublicClientApplication: make('nested'), createStandardPublicClientApplication: make('standard') };
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const msal = require('@azure/msal-browser') as { InteractionRequiredAuthError: new (code: string) => Error; BrowserAuthError: new (code: string) => Error };
type DialogSignIn = { accessToken: string; expiresOn: Date; account: { username: string; name: string | null } };
const { createAuth } = loadAddin<{ createAuth(o: { config: AuthConfig; host: HostInfo; redirectUri: string; loginHint?: string; dialogSignIn?: () => Promise<DialogSignIn> }): Promise<Auth> }>('auth/msal-auth');

const CONFIG: AuthConfig = { authority: 'https://localhost:3443/tenant-1/', clientId: 'client-1', apiScope: 'api://client-1/access_as_user', audience: 'client-1' };
const ACCOUNT = { username: 'admin@contoso.test', name: 'Adele', homeAccountId: 'h', environment: 'localhost:3443', tenantId: 't', localAccountId: 'l' };
const jwt = (roles: string[]) => `h.${Buffer.from(JSON.stringify({ roles })).toString('base64url')}.s`;
const result = (roles: string[]) => ({ accessToken: jwt(roles), account: ACCOUNT });
const OUTSIDE: HostInfo = { inOutlook: false, nestedAppAuth: false };

beforeAll(fillJsdomGaps);

beforeEach(() => {
  created.length = 0;
  pca = {
    getActiveAccount: jest.fn(() => null),
    getAllAccounts: jest.fn(() => []),
    setActiveAccount: jest.fn(),
    acquireTokenSilent: jest.fn(async () => result(['Relaydesk.Agent'])),
    acquireTokenPopup: jest.fn(async () => result(['Relaydesk.Admin'])),
  };
});

it('uses the standard client with the server-provided authority, a known authority and the redirect page', async () => {
  await createAuth({ config: CONFIG, host: OUTSIDE, redirectUri: 'https://localhost:3000/addin/redirect.html' });
  expect(created).toHaveLength(1);
  expect(created[0]?.factory).toBe('standard');
  expect(created[0]?.configuration).toMatchObject({
    auth: { clientId: 'client-1', authority: CONFIG.authority, knownAuthorities: ['localhost:3443'], redirectUri: 'https://localhost:3000/addin/redirect.html' },
    cache: { cacheLocation: 'localStorage' },
  });
});

it('uses nested app authentication when Outlook supports it, and then asks silently without a known account', async () => {
  const auth = await createAuth({ config: CONFIG, host: { inOutlook: true, nestedAppAuth: true }, redirectUri: 'https://x/addin/redirect.html' });
  expect(created[0]?.factory).toBe('nested');
  expect(auth.nested).toBe(true);
  await expect(auth.token()).resolves.toBe(jwt(['Relaydesk.Agent']));
  expect(pca.acquireTokenSilent).toHaveBeenCalledWith({ scopes: [CONFIG.apiScope] });
});

it('needs sign-in when no account is known (standard client), without calling MSAL', async () => {
  const auth = await createAuth({ config: CONFIG, host: OUTSIDE, redirectUri: 'https://x/r' });
  await expect(auth.token()).rejects.toMatchObject({ name: 'AuthError', code: 'sign_in_required' });
  expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
});

it('signs in with a popup for the API scope, remembers the account, and reads the roles', async () => {
  const auth = await createAuth({ config: CONFIG, host: OUTSIDE, redirectUri: 'https://x/r', loginHint: 'admin@contoso.test' });
  const session = await auth.signIn();
  expect(pca.acquireTokenPopup).toHaveBeenCalledWith({ scopes: [CONFIG.apiScope], prompt: 'select_account', loginHint: 'admin@contoso.test' });
  expect(pca.setActiveAccount).toHaveBeenCalledWith(ACCOUNT);
  expect(session).toMatchObject({ username: 'admin@contoso.test', isAdmin: true });
  pca.getActiveAccount.mockReturnValue(ACCOUNT);
  await auth.token();
  expect(pca.acquireTokenSilent).toHaveBeenCalledWith({ scopes: [CONFIG.apiScope], account: ACCOUNT });
  expect(auth.session()).toMatchObject({ isAdmin: false, isAgent: true });
});

it.each([
  ['interaction required (silent)', 'silent', () => new msal.InteractionRequiredAuthError('interaction_required'), 'sign_in_required'],
  ['any other silent failure', 'silent', () => new Error('network down'), 'sign_in_required'],
  ['the user closing the popup', 'popup', () => new msal.BrowserAuthError('user_cancelled'), 'sign_in_cancelled'],
  ['Cancel on the consent page (access_denied)', 'popup', () => Object.assign(new Error('AADSTS65004'), { errorCode: 'access_denied' }), 'sign_in_cancelled'],
  ['a blocked popup', 'popup', () => new msal.BrowserAuthError('popup_window_error'), 'sign_in_blocked'],
  ['anything else in the popup', 'popup', () => Object.assign(new Error('boom'), { errorCode: 'endpoints_resolution_error' }), 'sign_in_failed'],
] as const)('maps %s to %s', async (_what, flow, error, code) => {
  pca.getActiveAccount.mockReturnValue(ACCOUNT);
  pca.acquireTokenSilent.mockRejectedValue(error());
  pca.acquireTokenPopup.mockRejectedValue(error());
  const auth = await createAuth({ config: CONFIG, host: OUTSIDE, redirectUri: 'https://x/r' });
  await expect(flow === 'silent' ? auth.token() : auth.signIn()).rejects.toMatchObject({ code });
});

describe('in Outlook without nested app authentication', () => {
  const HOST: HostInfo = { inOutlook: true, nestedAppAuth: false };
  const fromDialog = (expiresInMs: number) => async (): Promise<DialogSignIn> => ({ accessToken: jwt(['Relaydesk.Admin']), expiresOn: new Date(Date.now() + expiresInMs), account: { username: ACCOUNT.username, name: 'Adele' } });

  it("signs in through the Office dialog, not a popup, and uses the dialog's token while it is fresh", async () => {
    const auth = await createAuth({ config: CONFIG, host: HOST, redirectUri: 'https://x/r', dialogSignIn: fromDialog(3_600_000) });
    const session = await auth.signIn();
    expect(session).toMatchObject({ username: ACCOUNT.username, name: 'Adele', isAdmin: true });
    expect(pca.acquireTokenPopup).not.toHaveBeenCalled();
    await expect(auth.token()).resolves.toBe(jwt(['Relaydesk.Admin']));
    expect(pca.acquireTokenSilent).not.toHaveBeenCalled();
  });

  it('renews a token about to expire silently with the account the dialog left, or asks to sign in again', async () => {
    const auth = await createAuth({ config: CONFIG, host: HOST, redirectUri: 'https://x/r', dialogSignIn: fromDialog(60_000) });
    await auth.signIn();
    await expect(auth.token()).rejects.toMatchObject({ name: 'AuthError', code: 'sign_in_required' });
    pca.getAllAccounts.mockReturnValue([ACCOUNT]);
    await expect(auth.token()).resolves.toBe(jwt(['Relaydesk.Agent']));
    expect(pca.acquireTokenSilent).toHaveBeenCalledWith({ scopes: [CONFIG.apiScope], account: ACCOUNT });
  });
});

