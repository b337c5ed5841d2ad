import fc from 'fast-check';
import {
  allowedTransitions,
  canTransition,
  onAgentPublicReply,
  onAssign,
  onEndUserReply,
} from '../../../server/tickets/status';
import { TICKET_STATUSES, type TicketStatus } from '../../../server/tickets/ticket-status';

const status = fc.constantFrom(...TICKET_STATUSES);

type Event =
  | { kind: 'agent_sets'; to: TicketStatus }
  | { kind: 'end_user_reply' }
  | { kind: 'agent_public_reply' }
  | { kind: 'assign' };

const event: fc.Arbitrary<Event> = fc.oneof(
  status.map((to) => ({ kind: 'agent_sets' as const, to })),
  fc.constant({ kind: 'end_user_reply' as const }),
  fc.constant({ kind: 'agent_public_reply' as const }),
  fc.constant({ kind: 'assign' as const }),
);

/** Applies events like the ticket service does: illegal agent changes are refused, closed spawns follow-ups. */
function run(events: Event[]): { history: TicketStatus[]; followUps: number } {
  let current: TicketStatus = 'new';
  const history: TicketStatus[] = [current];
  let followUps = 0;
  for (const e of events) {
    if (current === 'closed') {
      if (e.kind === 'end_user_reply') followUps++;
      continue;
    }
    if (e.kind === 'agent_sets' && canTransition(current, e.to)) current = e.to;
    if (e.kind === 'end_user_reply') {
      const outcome = onEndUserReply(current);
      if (outcome.kind === 'status') current = outcome.status;
    }
    if (e.kind === 'agent_public_reply') current = onAgentPublicReply(current);
    if (e.kind === 'assign') current = onAssign(current);
    history.push(current);
  }
  return { history, followUps };
}

describe('ticket status machine', () => {
  it('never goes back to new once it has left it', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const { history } = run(events);
        const left = history.findIndex((s) => s !== 'new');
        return left < 0 || !history.slice(left).includes('new');
      }),
    );
  });

  it('treats closed as final: no transition leaves it and a customer reply asks for a follow-up', () => {
    fc.assert(
      fc.property(status, (to) => {
        expect(canTransition('closed', to)).toBe(false);
      }),
    );
    expect(onEndUserReply('closed')).toEqual({ kind: 'follow_up' });
    expect(allowedTransitions('closed')).toEqual([]);
  });

  it('reaches closed only from solved', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const { history } = run(events);
        const i = history.indexOf('closed');
        return i < 0 || history[i - 1] === 'solved';
      }),
    );
  });

  it('counts one follow-up per customer reply after closing', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const { history, followUps } = run(events);
        const closedAt = history.indexOf('closed');
        if (closedAt < 0) return followUps === 0;
        // history stops growing at close; every later end-user reply is a follow-up
        const afterClose = events.slice(closedAt).filter((e) => e.kind === 'end_user_reply').length;
        return followUps === afterClose;
      }),
    );
  });

  it.each([
    ['pending', 'open'],
    ['solved', 'open'],
    ['new', 'new'],
    ['open', 'open'],
    ['hold', 'hold'],
  ] as const)('an end-user reply to a %s ticket leaves it %s', (from, to) => {
    expect(onEndUserReply(from)).toEqual({ kind: 'status', status: to });
  });

  it('allows staying in any status but closed, and every listed transition', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const expected = from === to ? from !== 'closed' : allowedTransitions(from).includes(to);
        expect(canTransition(from, to)).toBe(expected);
        expect(allowedTransitions(from)).not.toContain('new');
      }),
    );
  });

  it('opens a new ticket on an agent reply or assignment and leaves others alone', () => {
    expect(onAgentPublicReply('new')).toBe('open');
    expect(onAssign('new')).toBe('open');
    for (const s of TICKET_STATUSES.filter((x) => x !== 'new')) {
      expect(onAgentPublicReply(s)).toBe(s);
      expect(onAssign(s)).toBe(s);
    }
  });
});
