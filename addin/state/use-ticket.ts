import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { ApiError, TicketChangedError, etagOf, type ApiClient } from '../api/client';
import type { Agent, CommentInput, TicketDetail, TicketStatus } from '../api/types';
import type { PaneServices } from '../services';
import type { ConflictSummary } from './conflict';
import { startPolling } from './poll';
import { conflictOf, indicatorOf, initialSync, reduceSync, viewOf, type ActionFailure, type Change, type SyncEvent, type SyncIndicator, type SyncState } from './ticket-sync';

/**
 * One open ticket: its full detail (loaded after the lookup's card is on screen), the live poll, and the
 * agent's actions. Writes run one at a time, each with the version of the server's latest answer as
 * If-Match, so the agent's own quick succession of actions never conflicts with itself; a 412 adopts the
 * server's ticket and drops the writes still waiting (they were decided on the old ticket).
 */
export const POLL_INTERVAL_MS = 3000;

export interface TicketModel {
  /** Null until the detail arrives. */
  ticket: TicketDetail | null;
  loadError: ActionFailure | null;
  sync: SyncIndicator;
  conflict: ConflictSummary | null;
  error: ActionFailure | null;
  saved: number;
  setStatus(status: TicketStatus): void;
  assign(agent: Pick<Agent, 'id' | 'email'> | null): void;
  addCc(email: string): void;
  removeCc(userId: number): void;
  follow(me: Agent): void;
  unfollow(me: Agent): void;
  /** Resolves true once the server has the comment (then the draft may go). */
  send(input: CommentInput, me: Agent): Promise<boolean>;
  reload(): void;
  dismissConflict(): void;
}

type Services = Pick<PaneServices, 'api' | 'visibility'>;
type Write = (api: ApiClient, id: number, version: number) => Promise<TicketDetail>;

const failureOf = (error: unknown): ActionFailure =>
  error instanceof ApiError ? { code: error.code, message: error.message } : { code: 'unexpected', message: error instanceof Error ? error.message : String(error) };

/** The sync reducer, plus the first load (before it there is no ticket to apply events to). */
const reduce = (s: SyncState | null, e: SyncEvent | { type: 'load'; ticket: TicketDetail }): SyncState | null =>
  e.type === 'load' ? initialSync(e.ticket) : s && reduceSync(s, e);

let nextChangeId = 1;
let nextLocalCommentId = -1;

export function useTicket(services: Services, ticketId: number, initial: TicketDetail | null): TicketModel {
  const { api, visibility } = services;
  const [state, dispatch] = useReducer(reduce, initial ? initialSync(initial) : null);
  const [loadError, setLoadError] = useState<ActionFailure | null>(null);
  const latest = useRef(state);
  latest.current = state;
  // The newest ticket a write answered with: the next queued write may run before React has rendered it.
  const written = useRef<TicketDetail | null>(null);
  const server = (): TicketDetail | null => {
    const rendered = latest.current?.server ?? null;
    const mine = written.current?.id === ticketId ? written.current : null;
    return rendered && mine ? (mine.version > rendered.version ? mine : rendered) : (rendered ?? mine);
  };
  const chain = useRef<Promise<void>>(Promise.resolve());
  const conflicts = useRef(0);

  const read = useCallback(async (): Promise<void> => {
    const current = server();
    const answer = await api.ticket(ticketId, current ? etagOf(current.version) : null);
    if (answer === 'not_modified') return;
    dispatch(latest.current ? { type: 'fetched', ticket: answer.ticket } : { type: 'load', ticket: answer.ticket });
  }, [api, ticketId]);

  useEffect(() => {
    let gone = false;
    if (!latest.current || latest.current.server.id !== ticketId) {
      read().then(
        () => !gone && setLoadError(null),
        (error: unknown) => !gone && setLoadError(failureOf(error)),
      );
    }
    const stop = startPolling({
      intervalMs: POLL_INTERVAL_MS,
      tick: read,
      isVisible: visibility.isVisible,
      onVisibilityChange: visibility.onChange,
      setTimeout: (run, ms) => setTimeout(run, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    });
    return () => {
      gone = true;
      stop();
    };
  }, [ticketId, read, visibility]);

  /** Applies `change` now, then queues its write; resolves true when the server took it. */
  const run = useCallback(
    (change: Change, write: Write): Promise<boolean> => {
      const id = nextChangeId++;
      const epoch = conflicts.current;
      dispatch({ type: 'begin', id, change });
      const done = chain.current.then(async (): Promise<boolean> => {
        const base = server();
        if (!base || epoch !== conflicts.current) {
          dispatch({ type: 'dropped', id });
          return false;
        }
        try {
          const ticket = await write(api, base.id, base.version);
          written.current = ticket;
          dispatch({ type: 'done', id, ticket });
          return true;
        } catch (error) {
          if (error instanceof TicketChangedError) {
            conflicts.current++;
            written.current = error.ticket;
            dispatch({ type: 'conflict', id, ticket: error.ticket });
          } else dispatch({ type: 'failed', id, error: failureOf(error) });
          return false;
        }
      });
      chain.current = done.then(() => undefined);
      return done;
    },
    [api],
  );

  const ticket = useMemo(() => (state ? viewOf(state) : null), [state]);
  return {
    ticket,
    loadError,
    sync: state ? indicatorOf(state) : 'saved',
    conflict: state ? conflictOf(state) : null,
    error: state?.error ?? null,
    saved: state?.saved ?? 0,
    setStatus: (status) => void run({ kind: 'status', status }, (a, id, v) => a.update(id, { status }, v)),
    assign: (agent) => void run({ kind: 'assign', assignee: agent && { id: agent.id, email: agent.email } }, (a, id, v) => a.update(id, { assigneeId: agent?.id ?? null }, v)),
    addCc: (email) => void run({ kind: 'add_cc', email }, (a, id, v) => a.addCc(id, { email }, v)),
    removeCc: (userId) => void run({ kind: 'remove_cc', userId }, (a, id, v) => a.removeCc(id, userId, v)),
    follow: (me) => void run({ kind: 'follow', follower: { id: me.id, email: me.email, name: me.name } }, (a, id, v) => a.follow(id, me.id, v)),
    unfollow: (me) => void run({ kind: 'unfollow', userId: me.id }, (a, id, v) => a.unfollow(id, me.id, v)),
    send: (input, me) => {
      const comment = {
        id: nextLocalCommentId--,
        author: { id: me.id, email: me.email, name: me.name },
        visibility: input.visibility,
        source: 'api' as const,
        bodyText: input.body,
        bodyHtml: null,
        createdAt: new Date().toISOString(),
        attachments: [],
      };
      return run({ kind: 'comment', comment, ...(input.status ? { status: input.status } : {}) }, (a, id, v) => a.comment(id, input, v));
    },
    reload: () => {
      dispatch({ type: 'dismiss_conflict' });
      read().catch((error: unknown) => setLoadError(failureOf(error)));
    },
    dismissConflict: () => dispatch({ type: 'dismiss_conflict' }),
  };
}
