import { useCallback, useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import type { AfterIngestAction, AppOnlySetup, FirstSyncChoice, FirstSyncPreview, LinkOptions, MailboxAuthMode, MailboxLanguage, MailboxView } from '../api/types';
import type { PaneServices } from '../services';
import type { Notice } from './notice';
import { appLinkNotice, appOptionsOf, tenantWideChoiceOf, type AppOptions, type TenantWideChoice } from './app-only-link';

export type { Notice };

/**
 * The admin's mailbox list and its actions. Every action ends in a notice with a code (the server's error code,
 * the consent window's result code, or a ConsentError's code) and a fresh list, so the view always shows the
 * server's truth after an action.
 */
export interface MailboxesModel {
  mailboxes: MailboxView[] | null;
  loadError: Notice | null;
  notice: Notice | null;
  /** The action running now ("link", or "<id>:<action>"), which disables the buttons. */
  busy: string | null;
  /** The link mode the form preselects (the server's MICROSOFT_AUTH_MODE); null until known. */
  defaultLinkMode: MailboxAuthMode | null;
  /** An application-mode link or re-check refused with app_not_scoped: the admin may accept tenant-wide access. */
  tenantWide: TenantWideChoice | null;
  reload(): void;
  /** Delegated opens the consent window from the click; application links at once, no window. */
  link(address: string, options: LinkOptions): void;
  /** Sends the refused link or re-check again with acceptTenantWide. */
  acceptTenantWide(): void;
  dismissTenantWide(): void;
  /** Delegated: consent again in the window; application: re-run the access checks at once. */
  reauthorize(id: number): void;
  pause(id: number): void;
  resume(id: number): void;
  unlink(id: number): void;
  setLanguage(id: number, language: MailboxLanguage): void;
  /** `folder`: the folder's display name, for `move`. */
  setAfterIngest(id: number, action: AfterIngestAction, folder: string | null): void;
  /** What a first sync would take (stable, for effects). */
  firstSyncPreview(id: number): Promise<FirstSyncPreview>;
  chooseFirstSync(id: number, choice: FirstSyncChoice): void;
  /** The Exchange Online PowerShell that scopes the app to these mailboxes (stable, for effects). */
  appOnlySetup(addresses: readonly string[]): Promise<AppOnlySetup>;
}

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'unexpected';
};
const toNotice = (error: unknown): Notice => ({
  intent: codeOf(error) === 'consent_window_closed' ? 'warning' : 'error',
  code: codeOf(error),
  message: error instanceof Error ? error.message : String(error),
});

export function useMailboxes(services: Pick<PaneServices, 'api' | 'consent'>): MailboxesModel {
  const { api, consent } = services;
  const intl = useIntl();
  const [mailboxes, setMailboxes] = useState<MailboxView[] | null>(null);
  const [loadError, setLoadError] = useState<Notice | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [defaultLinkMode, setDefaultLinkMode] = useState<MailboxAuthMode | null>(null);
  const [tenantWide, setTenantWide] = useState<TenantWideChoice | null>(null);

  const reload = useCallback(async () => {
    try {
      setMailboxes(await api.mailboxes());
      setLoadError(null);
    } catch (error) {
      setLoadError(toNotice(error));
    }
  }, [api]);

  useEffect(() => void reload(), [reload]);

  // The server's preference only preselects; without it (an older server, or no answer) the form says delegated.
  useEffect(() => {
    let live = true;
    api.authConfig().then(
      (config) => live && setDefaultLinkMode(config?.mailboxLinkMode ?? 'delegated'),
      () => live && setDefaultLinkMode('delegated'),
    );
    return () => void (live = false);
  }, [api]);

  const run = useCallback(
    async (key: string, action: () => Promise<Notice | null>) => {
      setBusy(key);
      setNotice(null);
      setTenantWide(null);
      try {
        setNotice(await action());
      } catch (error) {
        setNotice(toNotice(error));
      } finally {
        setBusy(null);
        await reload();
      }
    },
    [reload],
  );

  const viaConsent = (authorizeUrl: () => Promise<string | null>) => async (): Promise<Notice> => {
    const result = await consent(async () => {
      const url = await authorizeUrl();
      // Only an application-mode mailbox answers no URL, and it never comes here.
      if (!url) throw new Error('Relaydesk answered no sign-in address for a delegated link');
      return url;
    });
    return { intent: result.ok ? 'success' : 'error', code: result.code, message: result.message };
  };
  // Application mode: no window; the server proves access at once. app_not_scoped becomes the admin's choice.
  const appOnly = (address: string, retry: TenantWideChoice['retry'], call: () => Promise<MailboxView | undefined>) => async (): Promise<Notice | null> => {
    try {
      return appLinkNotice(intl, retry.kind, address, await call());
    } catch (error) {
      const choice = tenantWideChoiceOf(error, address, retry);
      if (!choice) throw error;
      setTenantWide(choice);
      return null;
    }
  };
  const linkApp = (address: string, options: AppOptions) =>
    void run('link', appOnly(address, { kind: 'link', options }, async () => (await api.linkMailbox(address, { mode: 'application', ...options })).mailbox));
  const recheckApp = (id: number, address: string, options: AppOptions) =>
    void run(`${id}:reauthorize`, appOnly(address, { kind: 'recheck', id, options }, async () => (await api.reauthorize(id, options)).mailbox));
  // Our own words in the pane's language; the server's and the consent window's messages come as they are.
  const simple = (messageId: string, call: () => Promise<MailboxView>) => async (): Promise<Notice> => {
    const row = await call();
    const language = intl.formatMessage({ id: `mailboxes.language.${row.language}` });
    return { intent: 'success', code: row.state, message: intl.formatMessage({ id: messageId }, { address: row.address, language }) };
  };

  const firstSyncPreview = useCallback((id: number) => api.firstSyncPreview(id), [api]);
  const appOnlySetup = useCallback((addresses: readonly string[]) => api.appOnlySetup(addresses), [api]);

  const afterIngest = (id: number, action: AfterIngestAction, folder: string | null) => async (): Promise<Notice> => {
    try {
      const row = await api.setAfterIngest(id, action === 'move' && folder ? { action, folder } : { action });
      return { intent: 'success', code: row.afterIngest.action, message: intl.formatMessage({ id: 'mailboxes.notice.afterIngest' }, { address: row.address }) };
    } catch (error) {
      if (codeOf(error) !== 'folder_not_found') throw error;
      // Our own words: the admin typed the name, so say which name and which mailbox.
      const address = mailboxes?.find((m) => m.id === id)?.address ?? '';
      return { intent: 'error', code: 'folder_not_found', message: intl.formatMessage({ id: 'mailboxes.afterIngest.folderNotFound' }, { address, folder: folder ?? '' }) };
    }
  };

  return {
    mailboxes,
    loadError,
    notice,
    busy,
    defaultLinkMode,
    tenantWide,
    reload: () => void reload(),
    link: (address, options) => {
      if (options.mode === 'application') return linkApp(address, appOptionsOf(options));
      void run('link', viaConsent(async () => (await api.linkMailbox(address, options)).authorizeUrl));
    },
    acceptTenantWide: () => {
      if (!tenantWide) return;
      const { retry, address } = tenantWide;
      if (retry.kind === 'link') linkApp(address, { ...retry.options, acceptTenantWide: true });
      else recheckApp(retry.id, address, { ...retry.options, acceptTenantWide: true });
    },
    dismissTenantWide: () => setTenantWide(null),
    reauthorize: (id) => {
      const mailbox = mailboxes?.find((m) => m.id === id);
      if (mailbox?.authMode === 'application') return recheckApp(id, mailbox.address, {});
      void run(`${id}:reauthorize`, viaConsent(async () => (await api.reauthorize(id)).authorizeUrl));
    },
    pause: (id) => void run(`${id}:pause`, simple('mailboxes.notice.paused', () => api.pause(id))),
    resume: (id) => void run(`${id}:resume`, simple('mailboxes.notice.resumed', () => api.resume(id))),
    unlink: (id) => void run(`${id}:unlink`, simple('mailboxes.notice.unlinked', () => api.unlink(id))),
    setLanguage: (id, language) => void run(`${id}:language`, simple('mailboxes.notice.language', () => api.setMailboxLanguage(id, language))),
    setAfterIngest: (id, action, folder) => void run(`${id}:after-ingest`, afterIngest(id, action, folder)),
    firstSyncPreview,
    chooseFirstSync: (id, choice) => void run(`${id}:first-sync`, simple('mailboxes.notice.firstSync', () => api.chooseFirstSync(id, choice))),
    appOnlySetup,
  };
}
