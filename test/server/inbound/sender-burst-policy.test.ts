import { parseConfig } from '../../../server/config';
import { DEFAULT_SYNC_SETTINGS } from '../../../server/inbound/sync/mailbox-sync';
import {
  SENDER_BLOCK_MS,
  SENDER_BURST_LIMIT,
  SENDER_BURST_WINDOW_MS,
  senderBlockedUntil,
  senderBurstLimits,
  senderSuppression,
} from '../../../server/inbound/sender-burst-policy';

const NOW = new Date('2025-06-03T09:00:00.000Z');
const LIMITS = senderBurstLimits({ limit: 3, windowMs: 60_000 });

describe('sender-burst policy', () => {
  it('defaults to 20 messages in 10 minutes and a block of an hour', () => {
    expect([SENDER_BURST_LIMIT, SENDER_BURST_WINDOW_MS, SENDER_BLOCK_MS]).toEqual([20, 600_000, 3_600_000]);
    expect(senderBurstLimits()).toEqual({ limit: 20, windowMs: 600_000 });
  });

  // The block used to be written down three times (filter, sync defaults, config); these pin that the
  // other places read the policy's figure instead of keeping a copy that can drift.
  it('is the block the sync uses by default and the config defaults to', () => {
    expect(DEFAULT_SYNC_SETTINGS.burstBlockMs).toBe(SENDER_BLOCK_MS);
    expect(parseConfig({}).sync.senderBlockMs).toBe(SENDER_BLOCK_MS);
  });

  it.each([
    ['limit 0', { limit: 0 }],
    ['limit NaN', { limit: Number.NaN }],
    ['limit as a string', { limit: '20' as unknown as number }],
    ['a negative window', { windowMs: -1 }],
    ['a fractional window', { windowMs: 1.5 }],
    ['an infinite window', { windowMs: Number.POSITIVE_INFINITY }],
  ])('refuses %s instead of disabling the limit', (_name, options) => {
    expect(() => senderBurstLimits(options)).toThrow(RangeError);
  });

  it.each([
    ['a quiet sender', { blockedUntil: null, recentMessages: 0 }, null],
    ['one under the limit', { blockedUntil: null, recentMessages: 2 }, null],
    ['the message past the limit', { blockedUntil: null, recentMessages: 3 }, { reason: 'sender_burst', detail: 'recent=3 limit=3 window_ms=60000' }],
    ['a sender blocked until later', { blockedUntil: '2025-06-03T10:00:00.000Z', recentMessages: 0 }, { reason: 'sender_blocked', detail: 'until=2025-06-03T10:00:00.000Z' }],
    ['a blocked sender also over the limit: the block is the reason', { blockedUntil: '2025-06-03T10:00:00.000Z', recentMessages: 9 }, { reason: 'sender_blocked', detail: 'until=2025-06-03T10:00:00.000Z' }],
    ['a block that has expired', { blockedUntil: '2025-06-03T08:59:59.999Z', recentMessages: 0 }, null],
    ['a block that is not a date (never counts as blocked forever)', { blockedUntil: 'soon', recentMessages: 0 }, null],
  ])('suppresses %s accordingly', (_name, activity, expected) => {
    expect(senderSuppression(activity, NOW, LIMITS)).toEqual(expected);
  });

  it.each([
    ['a burst whose From passed authentication blocks for the block time', { reason: 'sender_burst', detail: '' }, null, '2025-06-03T10:00:00.000Z'],
    ['a burst in a name that failed authentication blocks nobody', { reason: 'sender_burst', detail: '' }, 'dmarc_fail', null],
    ['a message from a sender already blocked does not extend the block', { reason: 'sender_blocked', detail: '' }, null, null],
    ['an auto-response blocks nobody', { reason: 'auto_response', detail: '' }, null, null],
    ['mail that was not suppressed blocks nobody', null, null, null],
  ] as const)('%s', (_name, suppressed, senderAuthFailure, expected) => {
    const ctx = { suppressed, senderAuthFailure } as Parameters<typeof senderBlockedUntil>[0];
    expect(senderBlockedUntil(ctx, NOW, SENDER_BLOCK_MS)).toBe(expected);
  });
});
