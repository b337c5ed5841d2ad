import type { ApiClient } from '../../../addin/api/client';
import type { LinkResultMessage, LookupResult, MailboxView } from '../../../addin/api/types';
import { AuthError } from '../../../addin/auth/errors';
import type { Session } from '../../../addin/auth/session';
import type { Auth } from '../../../addin/auth/types';
import type { MailItem } from '../../../addin/office/types';
import type { PaneServices } from '../../../addin/services';
import { COLLEAGUE, DETAIL, ME } from './fixtures';

/**
 * PaneServices for component tests: an Outlook host whose selection the test changes (firing ItemChanged), an
 * API answering from tables, and an Auth that is signed in or not. Every call is a jest mock to assert on.
 */
export interface FakeServices {
  services: PaneServices;
  api: { [K in keyof ApiClient]: jest.Mock };
  auth: { token: jest.Mock; signIn: jest.Mock; session: jest.Mock; nested: boolean };
  consent: jest.Mock;
  /** Selects another item (null: nothing) and fires ItemChanged. */
  select(item: MailItem | null): void;
  /** Lookups by Internet Message-ID. */
  lookups: Map<string, LookupResult | (() => Promise<LookupResult>)>;
  mailboxes: MailboxView[];
}

export const ADMIN: Session = { username: 'admin@contoso.test', name: 'Adele', roles: ['Relaydesk.Admin'], isAdmin: true, isAgent: true };
export const AGENT: Session = { username: 'alex@contoso.test', name: 'Alex', roles: ['Relaydesk.Agent'], isAdmin: false, isAgent: true };

export function fakeServices(options: { item?: MailItem | null; session?: Session | null; inOutlook?: boolean } = {}): FakeServices {
  let item = options.item ?? null;
  let session = options.session === undefined ? AGENT : options.session;
  const handlers: (() => void)[] = [];
  const lookups = new Map<string, LookupResult | (() => Promise<LookupResult>)>();
  const mailboxes: MailboxView[] = [];
  const signInRequired = () => new AuthError('sign_in_required', 'Sign in to see tickets');

  const auth = {
    nested: false,
    token: jest.fn(async () => (session ? 'token' : Promise.reject(signInRequired()))),
    signIn: jest.fn(async () => {
      session = ADMIN;
      return session;
    }),
    session: jest.fn(() => session),
  };
  const api = {
    authConfig: jest.fn(async () => ({ authority: 'https://login.example.test/tenant-1', clientId: 'client-1', apiScope: 'api://client-1/access_as_user', audience: 'client-1', mailboxLinkMode: 'delegated' })),
    lookup: jest.fn(async (q: { internetMessageId: string }) => {
      const answer = lookups.get(q.internetMessageId) ?? { ticket: null, reason: 'unknown_message', detail: null };
      return typeof answer === 'function' ? answer() : answer;
    }),
    ticket: jest.fn(async (id: number) => ({ ticket: { ...DETAIL, id }, etag: `"${DETAIL.version}"` })),
    mailboxes: jest.fn(async () => mailboxes.map((m) => ({ ...m }))),
    linkedMailboxes: jest.fn(async () => mailboxes.filter((m) => m.state !== 'unlinked').map(({ id, address, state, language }) => ({ id, address, state, language }))),
    linkMailbox: jest.fn(async (address: string) => ({ id: 99, address, state: 'pending', authorizeUrl: `https://login.example.test/authorize?login_hint=${address}` })),
    reauthorize: jest.fn(async () => ({ authorizeUrl: 'https://login.example.test/authorize' })),
    appOnlySetup: jest.fn(async (addresses: readonly string[]) => ({
      appId: '11111111-2222-3333-4444-555555555555',
      groupName: 'Relaydesk mailboxes',
      script: addresses.map((a) => `Add-DistributionGroupMember -Identity 'Relaydesk mailboxes' -Member '${a}'`).join('\n'),
      testScript: addresses.map((a) => `Test-ServicePrincipalAuthorization -Identity '11111111-2222-3333-4444-555555555555' -Resource '${a}'`).join('\n'),
    })),
    pause: jest.fn(async (id: number) => ({ ...(mailboxes.find((m) => m.id === id) as MailboxView), state: 'paused' })),
    resume: jest.fn(async (id: number) => ({ ...(mailboxes.find((m) => m.id === id) as MailboxView), state: 'active' })),
    unlink: jest.fn(async (id: number) => ({ ...(mailboxes.find((m) => m.id === id) as MailboxView), state: 'unlinked' })),
    me: jest.fn(async () => ME),
    agents: jest.fn(async () => [ME, COLLEAGUE]),
    tickets: jest.fn(async () => ({ tickets: [], nextCursor: null })),
    update: jest.fn(),
    comment: jest.fn(),
    addCc: jest.fn(),
    removeCc: jest.fn(),
    follow: jest.fn(),
    unfollow: jest.fn(),
    createFromMessage: jest.fn(),
    attachment: jest.fn(),
    setMailboxLanguage: jest.fn(async (id: number, language: string) => ({ ...(mailboxes.find((m) => m.id === id) as MailboxView), language })),
    setAfterIngest: jest.fn(async (id: number, afterIngest: { action: string; folder?: string }) => ({
      ...(mailboxes.find((m) => m.id === id) as MailboxView),
      afterIngest: { action: afterIngest.action, folderName: afterIngest.folder ?? null },
    })),
    firstSyncPreview: jest.fn(async () => ({ unread: 0, oldest: null, newest: null, choice: null })),
    chooseFirstSync: jest.fn(async (id: number, choice: { mode: string; days?: number }) => ({ ...(mailboxes.find((m) => m.id === id) as MailboxView), firstSync: { mode: choice.mode, days: choice.days ?? null } })),
  };
  const consent = jest.fn(async (authorizeUrl: () => Promise<string>): Promise<LinkResultMessage> => {
    const url = await authorizeUrl();
    const address = new URL(url).searchParams.get('login_hint') ?? 'x@contoso.test';
    return { type: 'relaydesk.link-result', ok: true, code: 'linked', message: `${address} is linked and active.`, mailbox: { id: 99, address, state: 'active' } };
  });
  const services: PaneServices = {
    host: { inOutlook: options.inOutlook ?? true, nestedAppAuth: false },
    api: api as unknown as ApiClient,
    auth: async () => auth as unknown as Auth,
    currentItem: async () => item,
    onItemChanged: async (handler) => {
      handlers.push(handler);
      return async () => void handlers.splice(handlers.indexOf(handler), 1);
    },
    consent,
    theme: () => 'light',
    onThemeChanged: async () => () => undefined,
    messageContent: jest.fn(async () => ({ subject: 'Help', from: { email: 'pat@customer.test' }, bodyText: 'Help me', ccs: [], attachments: [], skipped: [] })),
    openMessage: null,
    storage: memoryStorage(),
    saveFile: jest.fn(),
    // Hidden: no live poll unless a test makes the pane visible (polls would race the assertions).
    visibility: { isVisible: () => false, onChange: () => () => undefined },
  };
  return {
    services,
    api,
    auth,
    consent,
    lookups,
    mailboxes,
    select(next) {
      item = next;
      for (const h of [...handlers]) h();
    },
  };
}

/** localStorage for tests: a Map behind the same three methods. */
export function memoryStorage(): { getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void; map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}
