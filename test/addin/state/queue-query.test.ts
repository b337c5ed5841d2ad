import { queueQuery, QUEUE_PAGE_SIZE } from '../../../addin/state/queue-query';
import { relativeTime } from '../../../addin/state/relative-time';

/** The queue's lists as GET /api/tickets queries, and "how long ago" for its rows. */

it.each([
  ['mine', { assignee: 'me', status: ['new', 'open', 'pending', 'hold'] }],
  ['unassigned', { assignee: 'none', status: ['new', 'open'] }],
  ['open', { status: ['new', 'open', 'pending', 'hold'] }],
] as const)('%s asks for %j', (filter, expected) => {
  expect(queueQuery(filter, 'ignored words')).toEqual({ ...expected, limit: QUEUE_PAGE_SIZE });
});

it('searches by words only, and asks nothing for an empty search', () => {
  expect(queueQuery('search', '  printer fire ')).toEqual({ q: 'printer fire', limit: QUEUE_PAGE_SIZE });
  expect(queueQuery('search', '   ')).toBeNull();
});

it('adds the cursor of the next page', () => {
  expect(queueQuery('open', '', 812)).toMatchObject({ cursor: 812 });
  expect(queueQuery('open', '', null)).not.toHaveProperty('cursor');
});

const NOW = Date.parse('2025-03-10T12:00:00.000Z');
it.each([
  ['2025-03-10T11:59:30.000Z', -30, 'second'],
  ['2025-03-10T11:15:00.000Z', -45, 'minute'],
  ['2025-03-10T07:00:00.000Z', -5, 'hour'],
  ['2025-03-08T12:00:00.000Z', -2, 'day'],
  ['2024-12-01T12:00:00.000Z', -3, 'month'],
  ['2023-01-01T12:00:00.000Z', -2, 'year'],
] as const)('%s is %d %s(s) from now', (iso, value, unit) => {
  expect(relativeTime(iso, NOW)).toEqual({ value, unit });
});

it('gives nothing for a timestamp that does not parse', () => {
  expect(relativeTime('yesterday', NOW)).toBeNull();
});
