import { FluentProvider, MessageBar, MessageBarBody, Text, makeStyles, tokens, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { paneLocale } from '../../i18n/locale';
import type { InboxMessage, PreviewSetup } from '../preview-api';
import type { PreviewHost } from '../preview-host';
import { previewText, PreviewTextContext } from '../preview-text';
import { useInbox } from '../use-inbox';
import { usePreviewActions } from '../use-preview-actions';
import { AccountActions } from './AccountActions';
import { MessageList } from './MessageList';
import { PaneFrame } from './PaneFrame';
import { PreviewSettings } from './PreviewSettings';
import { ReadingPane } from './ReadingPane';
import { SendMailForm } from './SendMailForm';

/** The preview page: a bar of actions; the demo Inbox, the selected email and the task pane side by side. */
export interface PreviewAppProps {
  host: PreviewHost;
  setup: PreviewSetup;
  /** Where the preview keeps its settings (localStorage) and its session (sessionStorage). */
  settings: Storage;
  sessions: Storage;
}

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', height: '100vh', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1 },
  top: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`, borderBottom: `1px solid ${tokens.colorNeutralStroke2}` },
  row: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', justifyContent: 'space-between', gap: tokens.spacingHorizontalL },
  titleRow: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalL },
  banner: { color: tokens.colorNeutralForeground3 },
  main: { flex: 1, minHeight: 0, display: 'grid', gridTemplateColumns: 'minmax(240px, 360px) minmax(0, 1fr) auto' },
});

const toItem = (m: InboxMessage, mailbox: string) => ({ restId: m.id, internetMessageId: m.internetMessageId, subject: m.subject, from: m.from, to: m.to, cc: m.cc, receivedAt: m.receivedAt, owner: mailbox });

export function PreviewApp({ host, setup, settings, sessions }: PreviewAppProps) {
  const styles = useStyles();
  const state = useSyncExternalStore(host.subscribeState, host.getState);
  const locale = paneLocale(state.language);
  const t = useMemo(() => previewText(locale), [locale]);
  const inbox = useInbox();
  const actions = usePreviewActions(host, setup, sessions, t, inbox.refresh);
  const readBody = useCallback((id: string) => host.body(id), [host]);
  const select = useCallback((m: InboxMessage) => host.select(toItem(m, setup.mailbox)), [host, setup.mailbox]);
  useEffect(() => {
    host.onDisplayMessage = (restId) => {
      const message = inbox.messages?.find((m) => m.id === restId);
      if (message) select(message);
    };
  }, [host, inbox.messages, select]);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t('preview.title');
    settings.setItem('relaydesk.preview.settings', JSON.stringify({ language: state.language, theme: state.theme }));
  }, [locale, t, settings, state.language, state.theme]);

  return (
    <FluentProvider theme={state.theme === 'dark' ? webDarkTheme : webLightTheme}>
      <PreviewTextContext.Provider value={t}>
        <div className={styles.page}>
          <header className={styles.top}>
            <div className={styles.titleRow}>
              <Text as="h1" size={500} weight="semibold">
                {t('preview.title')}
              </Text>
              <PreviewSettings locale={locale} theme={state.theme} onLanguage={(l) => host.setLanguage(l)} onTheme={(th) => host.setTheme(th)} />
            </div>
            <Text className={styles.banner}>{t('preview.banner', { mailbox: setup.mailbox })}</Text>
            <div className={styles.row}>
              <AccountActions people={setup.people} signedIn={actions.session} busy={actions.busy} onSignIn={actions.signIn} onLink={actions.link} />
              <SendMailForm busy={actions.busy} onSend={actions.send} />
            </div>
            {actions.notice && (
              <MessageBar intent={actions.notice.intent} data-testid="preview-notice" data-code={actions.notice.code}>
                <MessageBarBody>{actions.notice.text}</MessageBarBody>
              </MessageBar>
            )}
          </header>
          <main className={styles.main}>
            <MessageList mailbox={setup.mailbox} messages={inbox.messages} error={inbox.error} selected={state.selected} locale={locale} onSelect={select} />
            <ReadingPane message={inbox.messages?.find((m) => m.id === state.selected) ?? null} readBody={readBody} />
            <PaneFrame generation={state.paneGeneration} />
          </main>
        </div>
      </PreviewTextContext.Provider>
    </FluentProvider>
  );
}
