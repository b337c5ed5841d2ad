import { Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { Session } from '../auth/session';

/** Product name, who is signed in, and the Ticket / Tickets (/ Mailboxes for admins) switch. */
export type PaneView = 'status' | 'queue' | 'mailboxes';

export interface HeaderProps {
  session: Session | null;
  view: PaneView;
  onView(view: PaneView): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, marginBottom: tokens.spacingVerticalS },
  title: { display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', gap: tokens.spacingHorizontalS },
  user: { color: tokens.colorNeutralForeground3, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
});

export function Header({ session, view, onView }: HeaderProps) {
  const styles = useStyles();
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  return (
    <header className={styles.root}>
      <div className={styles.title}>
        <Text as="h1" size={500} weight="semibold">
          {t('app.name')}
        </Text>
        {session && (
          <Text size={200} className={styles.user} data-testid="signed-in-as" title={intl.formatMessage({ id: 'pane.signedInAs' }, { user: session.username })}>
            {session.username}
          </Text>
        )}
      </div>
      {session && (
        <nav aria-label={t('pane.tabs')}>
          <TabList size="small" selectedValue={view} onTabSelect={(_, d) => onView(d.value as PaneView)}>
            <Tab value="status" data-testid="tab-status">
              {t('pane.tab.status')}
            </Tab>
            <Tab value="queue" data-testid="tab-queue">
              {t('pane.tab.queue')}
            </Tab>
            {session.isAdmin && (
              <Tab value="mailboxes" data-testid="tab-mailboxes">
                {t('pane.tab.mailboxes')}
              </Tab>
            )}
          </TabList>
        </nav>
      )}
    </header>
  );
}
