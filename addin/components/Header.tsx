import { Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Session } from '../auth/session';

/** Product name, who is signed in, and (for admins) the Ticket / Mailboxes switch. */
export type PaneView = 'status' | 'mailboxes';

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
  return (
    <header className={styles.root}>
      <div className={styles.title}>
        <Text as="h1" size={500} weight="semibold">
          Relaydesk
        </Text>
        {session && (
          <Text size={200} className={styles.user} data-testid="signed-in-as">
            {session.username}
          </Text>
        )}
      </div>
      {session?.isAdmin && (
        <TabList size="small" selectedValue={view} onTabSelect={(_, d) => onView(d.value as PaneView)}>
          <Tab value="status" data-testid="tab-status">Ticket</Tab>
          <Tab value="mailboxes" data-testid="tab-mailboxes">Mailboxes</Tab>
        </TabList>
      )}
    </header>
  );
}
