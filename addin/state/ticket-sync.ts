import type { Comment, Person, TicketDetail, TicketStatus } from '../api/types';
import { diffTickets, type ConflictSummary } from './conflict';

/**
 * The open ticket as the agent sees it: the server's last answer with the agent's changes still in flight
 * applied on top (optimistic UI). A failed change is simply dropped from `pending`, so the view rolls back to
 * the server's ticket with the other changes still applied; there is no undo code to get wrong.
 *
 * A 412 adopts the server's ticket and remembers the ticket the agent was looking at before, so the banner can
 * say what changed (status, assignee, new comments) until the agent dismisses it.
 */
export type Change =
  | { kind: 'status'; status: TicketStatus }
  | { kind: 'assign'; assignee: { id: number; email: string } | null }
  | { kind: 'add_cc'; email: string }
  | { kind: 'remove_cc'; userId: number }
  | { kind: 'follow'; follower: Person }
  | { kind: 'unfollow'; userId: number }
  | { kind: 'comment'; comment: Comment; status?: TicketStatus };

export interface ActionFailure {
  code: string;
  message: string;
}

export interface SyncState {
  server: TicketDetail;
  pending: { id: number; change: Change }[];
  /** The ticket the agent had before the first conflict not yet dismissed. */
  conflictBase: TicketDetail | null;
  error: ActionFailure | null;
  /** Successful writes so far: the "Saved" announcement changes with it. */
  saved: number;
}

export type SyncEvent =
  | { type: 'begin'; id: number; change: Change }
  | { type: 'done'; id: number; ticket: TicketDetail }
  | { type: 'failed'; id: number; error: ActionFailure }
  /** Dropped unsent because a conflict came first: the banner already says why. */
  | { type: 'dropped'; id: number }
  | { type: 'conflict'; id: number; ticket: TicketDetail }
  /** A read (the live poll, a reload): newer versions replace the server's ticket, older ones are ignored. */
  | { type: 'fetched'; ticket: TicketDetail }
  | { type: 'dismiss_conflict' };

export type SyncIndicator = 'saved' | 'saving' | 'conflict';

export const initialSync = (ticket: TicketDetail): SyncState => ({ server: ticket, pending: [], conflictBase: null, error: null, saved: 0 });

const newer = (current: TicketDetail, next: TicketDetail): TicketDetail => (next.version >= current.version ? next : current);
const without = (state: SyncState, id: number) => state.pending.filter((p) => p.id !== id);

export function reduceSync(state: SyncState, event: SyncEvent): SyncState {
  switch (event.type) {
    case 'begin':
      return { ...state, pending: [...state.pending, { id: event.id, change: event.change }], error: null };
    case 'done':
      return { ...state, server: newer(state.server, event.ticket), pending: without(state, event.id), saved: state.saved + 1 };
    case 'failed':
      return { ...state, pending: without(state, event.id), error: event.error };
    case 'dropped':
      return { ...state, pending: without(state, event.id) };
    case 'conflict':
      return {
        ...state,
        conflictBase: state.conflictBase ?? state.server,
        server: newer(state.server, event.ticket),
        pending: without(state, event.id),
        error: null,
      };
    case 'fetched':
      return { ...state, server: newer(state.server, event.ticket) };
    case 'dismiss_conflict':
      return { ...state, conflictBase: null };
  }
}

export function applyChange(ticket: TicketDetail, change: Change): TicketDetail {
  switch (change.kind) {
    case 'status':
      return { ...ticket, status: change.status };
    case 'assign':
      return { ...ticket, assignee: change.assignee };
    case 'add_cc':
      return ticket.ccs.some((p) => p.email.toLowerCase() === change.email.toLowerCase())
        ? ticket
        : { ...ticket, ccs: [...ticket.ccs, { id: -1, email: change.email, name: null }] };
    case 'remove_cc':
      return { ...ticket, ccs: ticket.ccs.filter((p) => p.id !== change.userId) };
    case 'follow':
      return ticket.followers.some((p) => p.id === change.follower.id) ? ticket : { ...ticket, followers: [...ticket.followers, change.follower] };
    case 'unfollow':
      return { ...ticket, followers: ticket.followers.filter((p) => p.id !== change.userId) };
    case 'comment':
      return { ...ticket, status: change.status ?? ticket.status, comments: [...ticket.comments, change.comment] };
  }
}

/** What the pane shows: the server's ticket with every change in flight applied, in the order they were made. */
export const viewOf = (state: SyncState): TicketDetail => state.pending.reduce((t, p) => applyChange(t, p.change), state.server);

export const indicatorOf = (state: SyncState): SyncIndicator => (state.conflictBase ? 'conflict' : state.pending.length > 0 ? 'saving' : 'saved');

export const conflictOf = (state: SyncState): ConflictSummary | null => (state.conflictBase ? diffTickets(state.conflictBase, state.server) : null);
