import { Input, Tab, TabList, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type KeyboardEvent } from 'react';
import { useIntl } from 'react-intl';
import type { QueueFilter } from '../../state/queue-query';

/** The lists (mine, unassigned, all open) and the search field (Enter searches). */
export interface QueueFiltersProps {
  filter: QueueFilter;
  search: string;
  onFilter(filter: QueueFilter): void;
  onSearch(words: string): void;
}

const useStyles = makeStyles({ root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS } });

export function QueueFilters({ filter, search, onFilter, onSearch }: QueueFiltersProps) {
  const styles = useStyles();
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  const [words, setWords] = useState(search);
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && words.trim()) onSearch(words.trim());
  };
  return (
    <div className={styles.root}>
      <TabList size="small" selectedValue={filter} onTabSelect={(_, d) => onFilter(d.value as QueueFilter)} aria-label={t('queue.filters')}>
        <Tab value="mine" data-testid="queue-filter-mine">
          {t('queue.mine')}
        </Tab>
        <Tab value="unassigned" data-testid="queue-filter-unassigned">
          {t('queue.unassigned')}
        </Tab>
        <Tab value="open" data-testid="queue-filter-open">
          {t('queue.open')}
        </Tab>
      </TabList>
      <Input
        type="search"
        value={words}
        onChange={(_, d) => setWords(d.value)}
        onKeyDown={onKey}
        aria-label={t('queue.search')}
        placeholder={t('queue.searchHint')}
        data-testid="queue-search"
      />
    </div>
  );
}
