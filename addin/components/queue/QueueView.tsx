import { Button, MessageBar, MessageBarBody, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { Suspense, useState } from 'react';
import { useIntl } from 'react-intl';
import type { Agent, TicketSummary } from '../../api/types';
import type { PaneServices } from '../../services';
import { useQueue } from '../../state/use-queue';
import { TicketCard } from '../TicketCard';
import { LazyTicketWorkspace } from '../workspace/lazy';
import { QueueFilters } from './QueueFilters';
import { QueueRow } from './QueueRow';

/**
 * The Tickets tab: a list, paged with "Load more"; opening a row shows the same workspace as the Ticket tab,
 * with Back to the list as it was (the list's state lives here, above the opened ticket).
 */
export interface QueueViewProps {
  services: PaneServices;
  me: Agent | null;
  agents: Agent[] | null;
  user: string;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, margin: 0, padding: 0, listStyleType: 'none' },
});

export default function QueueView({ services, me, agents, user }: QueueViewProps) {
  const styles = useStyles();
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  const queue = useQueue(services.api);
  const [opened, setOpened] = useState<TicketSummary | null>(null);
  // One clock per render of the list, so every row's "ago" is measured from the same instant.
  const now = Date.now();

  if (opened) {
    const back = () => {
      setOpened(null);
      queue.reload();
    };
    const card = { ...opened, ccs: [] };
    return (
      <Suspense fallback={<TicketCard ticket={card} />}>
        <LazyTicketWorkspace key={opened.id} services={services} initial={card} me={me} agents={agents} user={user} onBack={back} />
      </Suspense>
    );
  }
  return (
    <section className={styles.root} aria-labelledby="queue-title" data-testid="queue" data-filter={queue.filter}>
      <Text as="h2" id="queue-title" size={400} weight="semibold">
        {t('queue.title')}
      </Text>
      <QueueFilters filter={queue.filter} search={queue.search} onFilter={queue.setFilter} onSearch={queue.runSearch} />
      {queue.error && (
        <MessageBar intent="error" role="alert" data-testid="action-error" data-code={queue.error.code}>
          <MessageBarBody>{intl.formatMessage({ id: 'queue.failed' }, queue.error)}</MessageBarBody>
        </MessageBar>
      )}
      <ul className={styles.list} aria-busy={queue.loading}>
        {queue.rows.map((row) => (
          <QueueRow key={row.id} ticket={row} now={now} onOpen={setOpened} />
        ))}
      </ul>
      <div aria-live="polite">
        {queue.loading ? <Spinner size="tiny" label={t('queue.loading')} /> : queue.rows.length === 0 && !queue.error && <Text>{t('queue.empty')}</Text>}
      </div>
      {queue.nextCursor !== null && !queue.loading && (
        <Button onClick={queue.more} data-testid="queue-more">
          {t('queue.more')}
        </Button>
      )}
    </section>
  );
}
