import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { TicketSummary } from '../api/types';
import type { PaneServices } from '../services';
import { queueQuery, type QueueFilter } from './queue-query';

/**
 * One queue list: the rows loaded so far, the next page's cursor, and the search words. A change of filter or
 * search starts over; an answer for a list the agent already left is dropped.
 */
export interface QueueModel {
  filter: QueueFilter;
  search: string;
  rows: TicketSummary[];
  nextCursor: number | null;
  loading: boolean;
  error: { code: string; message: string } | null;
  setFilter(filter: QueueFilter): void;
  /** Runs a search (the search filter) for `words`. */
  runSearch(words: string): void;
  more(): void;
  reload(): void;
}

export function useQueue(api: PaneServices['api']): QueueModel {
  const [filter, setFilter] = useState<QueueFilter>('mine');
  const [search, setSearch] = useState('');
  const [rows, setRows] = useState<TicketSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<QueueModel['error']>(null);
  /** Which list the rows belong to: until the new list's first page is in, the view is busy. */
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const generation = useRef(0);
  const listKey = `${filter}\n${search}`;

  const load = useCallback(
    async (cursor: number | null) => {
      const mine = cursor === null ? ++generation.current : generation.current;
      const query = queueQuery(filter, search, cursor);
      if (cursor === null) setRows([]);
      if (!query) {
        setLoadedFor(listKey);
        return setNextCursor(null);
      }
      setLoading(true);
      setError(null);
      try {
        const page = await api.tickets(query);
        if (mine !== generation.current) return;
        setRows((r) => (cursor === null ? page.tickets : [...r, ...page.tickets.filter((t) => !r.some((x) => x.id === t.id))]));
        setNextCursor(page.nextCursor);
        setLoadedFor(listKey);
      } catch (e) {
        if (mine === generation.current) {
          setError(e instanceof ApiError ? { code: e.code, message: e.message } : { code: 'unexpected', message: String(e) });
          setLoadedFor(listKey);
        }
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [api, filter, search, listKey],
  );

  useEffect(() => void load(null), [load]);

  return {
    filter,
    search,
    rows,
    nextCursor,
    loading: loading || loadedFor !== listKey,
    error,
    setFilter,
    runSearch: (words) => {
      setSearch(words);
      setFilter('search');
    },
    more: () => void (nextCursor !== null && load(nextCursor)),
    reload: () => void load(null),
  };
}
