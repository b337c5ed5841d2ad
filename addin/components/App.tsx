import { FluentProvider, makeStyles, tokens, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { Suspense, lazy, useState } from 'react';
import { useIntl } from 'react-intl';
import type { PaneServices } from '../services';
import { creationPlan } from '../state/create-ticket';
import { usePane } from '../state/use-pane';
import { usePaneTheme } from '../state/use-pane-theme';
import { useStaff } from '../state/use-staff';
import { Header, type PaneView } from './Header';
import { LoadingSkeleton } from './LoadingSkeleton';
import { StatusView } from './StatusView';
import { TicketCard } from './TicketCard';
import { LazyCreateTicket, LazyTicketWorkspace } from './workspace/lazy';

/**
 * The task pane: the selected email's ticket (the agents' workspace), the Tickets queue and, for admins, the
 * Mailboxes view; the last two are separate chunks. Office's theme picks Fluent's light or dark theme.
 */
export interface AppProps {
  services: PaneServices;
}

const MailboxesView = lazy(() => import(/* webpackChunkName: "mailboxes" */ './MailboxesView'));
const QueueView = lazy(() => import(/* webpackChunkName: "queue" */ './queue/QueueView'));

const useStyles = makeStyles({
  root: { padding: tokens.spacingHorizontalM, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minHeight: '100vh', boxSizing: 'border-box' },
});

export function App({ services }: AppProps) {
  const styles = useStyles();
  const intl = useIntl();
  const pane = usePane(services);
  const theme = usePaneTheme(services);
  const staff = useStaff(services.api, pane.session?.username ?? null);
  const [view, setView] = useState<PaneView>('status');
  const user = pane.session?.username ?? '';
  const shown: PaneView = !pane.session || (view === 'mailboxes' && !pane.session.isAdmin) ? 'status' : view;
  return (
    <FluentProvider theme={theme === 'dark' ? webDarkTheme : webLightTheme}>
      <main className={styles.root} data-locale={intl.locale} data-theme={theme}>
        <Header session={pane.session} view={shown} onView={setView} />
        {shown === 'mailboxes' && (
          <Suspense fallback={<LoadingSkeleton />}>
            <MailboxesView services={services} />
          </Suspense>
        )}
        {shown === 'queue' && (
          <Suspense fallback={<LoadingSkeleton />}>
            <QueueView services={services} me={staff.me} agents={staff.agents} user={user} />
          </Suspense>
        )}
        {shown === 'status' && (
          <StatusView
            state={pane.status}
            onRetry={pane.refresh}
            signIn={{ busy: pane.signingIn, error: pane.signInError, onSignIn: pane.signIn }}
            workspace={(ticket) => (
              <Suspense fallback={<TicketCard ticket={ticket} />}>
                <LazyTicketWorkspace key={ticket.id} services={services} initial={ticket} me={staff.me} agents={staff.agents} user={user} />
              </Suspense>
            )}
            createTicket={(item, reason) =>
              creationPlan(reason) === 'none' ? null : (
                <Suspense fallback={null}>
                  <LazyCreateTicket key={item.internetMessageId} services={services} item={item} reason={reason} onCreated={pane.showTicket} />
                </Suspense>
              )
            }
          />
        )}
      </main>
    </FluentProvider>
  );
}
