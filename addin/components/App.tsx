import { makeStyles, tokens } from '@fluentui/react-components';
import { Suspense, lazy, useState } from 'react';
import type { PaneServices } from '../services';
import { usePane } from '../state/use-pane';
import { Header, type PaneView } from './Header';
import { LoadingSkeleton } from './LoadingSkeleton';
import { StatusView } from './StatusView';

/** The task pane: the status of the selected email, and for admins the Mailboxes view (a separate chunk). */
export interface AppProps {
  services: PaneServices;
}

const MailboxesView = lazy(() => import(/* webpackChunkName: "mailboxes" */ './MailboxesView'));

const useStyles = makeStyles({
  root: { padding: tokens.spacingHorizontalM, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

export function App({ services }: AppProps) {
  const styles = useStyles();
  const pane = usePane(services);
  const [view, setView] = useState<PaneView>('status');
  const showMailboxes = view === 'mailboxes' && pane.session?.isAdmin === true;
  return (
    <main className={styles.root}>
      <Header session={pane.session} view={showMailboxes ? 'mailboxes' : 'status'} onView={setView} />
      {showMailboxes ? (
        <Suspense fallback={<LoadingSkeleton />}>
          <MailboxesView services={services} />
        </Suspense>
      ) : (
        <StatusView state={pane.status} onRetry={pane.refresh} signIn={{ busy: pane.signingIn, error: pane.signInError, onSignIn: pane.signIn }} />
      )}
    </main>
  );
}
