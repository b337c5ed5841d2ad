import type { Comment, TicketDetail } from '../../../addin/api/types';
import { diffTickets, isEmptyConflict } from '../../../addin/state/conflict';
import { conflictOf, indicatorOf, initialSync, reduceSync, viewOf, type SyncEvent, type SyncState } from '../../../addin/state/ticket-sync';
import { DETAIL } from '../support/fixtures';

/** The optimistic ticket: changes show at once, roll back alone on failure, and a 412 adopts the server's ticket. */

const run = (state: SyncState, ...events: SyncEvent[]) => events.reduce(reduceSync, state);
const comment = (id: number, over: Partial<Comment> = {}): Comment => ({
  id,
  author: { id: 9, email: 'alex@contoso.test', name: 'Alex' },
  visibility: 'public',
  source: 'api',
  bodyText: `comment ${id}`,
  bodyHtml: null,
  createdAt: '2025-03-01T10:00:00.000Z',
  attachments: [],
  ...over,
});
const at = (version: number, over: Partial<TicketDetail> = {}): TicketDetail => ({ ...DETAIL, version, ...over });

it('shows a change in flight at once, and the server answer once it is saved', () => {
  const begun = run(initialSync(at(3)), { type: 'begin', id: 1, change: { kind: 'status', status: 'pending' } });
  expect(viewOf(begun).status).toBe('pending');
  expect(indicatorOf(begun)).toBe('saving');
  const done = run(begun, { type: 'done', id: 1, ticket: at(4, { status: 'pending' }) });
  expect(viewOf(done)).toEqual(at(4, { status: 'pending' }));
  expect(indicatorOf(done)).toBe('saved');
  expect(done.saved).toBe(1);
});

// The bug this guards against: undoing a failed change by "setting the old value back" also undoes a
// second change made meanwhile. Dropping only the failed change from the pending list cannot.
it('rolls back only the failed change, keeping a later one still in flight', () => {
  const state = run(
    initialSync(at(3)),
    { type: 'begin', id: 1, change: { kind: 'status', status: 'solved' } },
    { type: 'begin', id: 2, change: { kind: 'assign', assignee: { id: 10, email: 'sam@contoso.test' } } },
    { type: 'failed', id: 1, error: { code: 'invalid_transition', message: 'no' } },
  );
  expect(viewOf(state).status).toBe(DETAIL.status);
  expect(viewOf(state).assignee).toEqual({ id: 10, email: 'sam@contoso.test' });
  expect(state.error?.code).toBe('invalid_transition');
  expect(indicatorOf(state)).toBe('saving');
});

it('on a conflict adopts the current ticket and says what changed since the ticket the agent saw', () => {
  const current = at(6, { status: 'solved', assignee: { id: 10, email: 'sam@contoso.test' }, comments: [...DETAIL.comments, comment(200), comment(201)] });
  const state = run(
    initialSync(at(3)),
    { type: 'begin', id: 1, change: { kind: 'comment', comment: comment(-1), status: 'pending' } },
    { type: 'conflict', id: 1, ticket: current },
  );
  expect(viewOf(state)).toEqual(current);
  expect(indicatorOf(state)).toBe('conflict');
  expect(conflictOf(state)).toEqual({ status: { from: 'open', to: 'solved' }, assignee: { from: 'alex@contoso.test', to: 'sam@contoso.test' }, newComments: 2 });
  const dismissed = run(state, { type: 'dismiss_conflict' });
  expect(conflictOf(dismissed)).toBeNull();
  expect(indicatorOf(dismissed)).toBe('saved');
});

it('keeps the first base across two conflicts, so the banner counts everything the agent missed', () => {
  const state = run(
    initialSync(at(3)),
    { type: 'begin', id: 1, change: { kind: 'status', status: 'hold' } },
    { type: 'conflict', id: 1, ticket: at(4, { comments: [...DETAIL.comments, comment(200)] }) },
    { type: 'begin', id: 2, change: { kind: 'status', status: 'hold' } },
    { type: 'conflict', id: 2, ticket: at(5, { comments: [...DETAIL.comments, comment(200), comment(201)] }) },
  );
  expect(conflictOf(state)?.newComments).toBe(2);
});

it('takes a polled ticket only when it is newer, and keeps the changes in flight on top of it', () => {
  const begun = run(initialSync(at(5)), { type: 'begin', id: 1, change: { kind: 'add_cc', email: 'new@customer.test' } });
  expect(viewOf(run(begun, { type: 'fetched', ticket: at(4, { subject: 'old' }) })).subject).toBe(DETAIL.subject);
  const polled = viewOf(run(begun, { type: 'fetched', ticket: at(6, { subject: 'renamed' }) }));
  expect(polled.subject).toBe('renamed');
  expect(polled.ccs.map((c) => c.email)).toContain('new@customer.test');
});

it('applies every kind of change', () => {
  const me = { id: 9, email: 'alex@contoso.test', name: 'Alex' };
  const ccId = DETAIL.ccs[0]!.id;
  const state = run(
    initialSync(at(3)),
    { type: 'begin', id: 1, change: { kind: 'follow', follower: me } },
    { type: 'begin', id: 2, change: { kind: 'remove_cc', userId: ccId } },
    { type: 'begin', id: 3, change: { kind: 'assign', assignee: null } },
    { type: 'begin', id: 4, change: { kind: 'comment', comment: comment(-5, { visibility: 'internal' }), status: 'solved' } },
  );
  const view = viewOf(state);
  expect(view.followers).toEqual([me]);
  expect(view.ccs.some((c) => c.id === ccId)).toBe(false);
  expect(view.assignee).toBeNull();
  expect(view.status).toBe('solved');
  expect(view.comments.at(-1)?.id).toBe(-5);
  expect(viewOf(run(state, { type: 'begin', id: 5, change: { kind: 'unfollow', userId: 9 } })).followers).toEqual([]);
});

it('names a change of participants only as "changed"', () => {
  const diff = diffTickets(at(3), at(4, { ccs: [] }));
  expect(diff).toEqual({ status: null, assignee: null, newComments: 0 });
  expect(isEmptyConflict(diff)).toBe(true);
  expect(isEmptyConflict(diffTickets(at(3), at(4, { status: 'hold' })))).toBe(false);
});
