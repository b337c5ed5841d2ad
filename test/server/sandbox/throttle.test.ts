import { Throttle, type Admission } from '../../../server/sandbox/throttle';

// The sandbox's Exchange limits: which requests the 4-concurrent limit counts together. Microsoft's current
// wording counts all of an app's requests whatever the mailbox; older revisions, one app and one mailbox.

const APP = 'app-1';
const LIMITS = { maxConcurrent: 4, maxRequests: 100, windowMs: 60_000 };

function admitted(a: Admission): () => void {
  if (!a.ok) throw new Error(`refused: ${a.reason}`);
  return a.release;
}

describe('sandbox throttle: concurrency scope', () => {
  it('per mailbox (the default): four in flight to one mailbox do not hold back another', () => {
    const throttle = new Throttle(LIMITS);
    for (let i = 0; i < 4; i++) admitted(throttle.begin(APP, 'a@contoso.test'));
    expect(throttle.begin(APP, 'a@contoso.test')).toMatchObject({ ok: false, reason: 'concurrency', retryAfterSeconds: 1 });
    expect(throttle.begin(APP, 'b@contoso.test').ok).toBe(true);
  });

  it('per app: four in flight anywhere refuse a fifth to any mailbox, and a release makes room', () => {
    const throttle = new Throttle(LIMITS, 'app');
    const releases = ['a', 'a', 'b', 'c'].map((m) => admitted(throttle.begin(APP, `${m}@contoso.test`)));
    expect(throttle.begin(APP, 'd@contoso.test')).toMatchObject({ ok: false, reason: 'concurrency' });
    expect(throttle.statsOf('d@contoso.test')).toMatchObject({ requests: 1, throttled429: 1, throttledUnits: 0 });
    // Another app has its own four.
    expect(throttle.begin('app-2', 'd@contoso.test').ok).toBe(true);
    releases[2]!();
    releases[2]!();
    expect(throttle.begin(APP, 'd@contoso.test').ok).toBe(true);
    expect(throttle.begin(APP, 'a@contoso.test').ok).toBe(false);
  });

  it('per app, the request budget still counts each mailbox on its own', () => {
    const throttle = new Throttle({ maxConcurrent: 4, maxRequests: 3, windowMs: 60_000 }, 'app');
    for (let i = 0; i < 3; i++) admitted(throttle.begin(APP, 'a@contoso.test'))();
    expect(throttle.begin(APP, 'a@contoso.test')).toMatchObject({ ok: false, reason: 'rate' });
    expect(throttle.begin(APP, 'b@contoso.test').ok).toBe(true);
  });

  it('refuses a scope it does not know rather than throttling some other way', () => {
    expect(() => new Throttle(LIMITS, 'tenant' as never)).toThrow(RangeError);
  });
});

describe('sandbox throttle: requests that do not wait for Retry-After', () => {
  const MAILBOX = 'a@contoso.test';
  const early = (throttle: Throttle) => throttle.statsOf(MAILBOX).earlyRequests;

  it('counts a request past the grace of a running Retry-After, and none once it has elapsed', () => {
    const throttle = new Throttle(LIMITS);
    throttle.noteRetryAfter(APP, MAILBOX, 4, 10_000);
    admitted(throttle.begin(APP, MAILBOX, 10_500))();
    expect(early(throttle)).toBe(0);
    admitted(throttle.begin(APP, MAILBOX, 12_000))();
    expect(early(throttle)).toBe(1);
    admitted(throttle.begin(APP, MAILBOX, 14_000))();
    expect(early(throttle)).toBe(1);
  });

  it('does not hold a withdrawn Retry-After (its answer never reached the client) against later requests', () => {
    const throttle = new Throttle(LIMITS);
    const note = throttle.noteRetryAfter(APP, MAILBOX, 4, 10_000);
    throttle.withdrawRetryAfter(note);
    admitted(throttle.begin(APP, MAILBOX, 12_000))();
    expect(early(throttle)).toBe(0);
  });

  it('withdrawing the newest Retry-After leaves the earlier one the client did hear', () => {
    const throttle = new Throttle(LIMITS);
    throttle.noteRetryAfter(APP, MAILBOX, 10, 10_000);
    const lost = throttle.noteRetryAfter(APP, MAILBOX, 2, 11_000);
    throttle.withdrawRetryAfter(lost);
    admitted(throttle.begin(APP, MAILBOX, 15_000))();
    expect(early(throttle)).toBe(1);
  });

  it('withdrawing an older note once a newer one replaced it leaves the newer one running', () => {
    const throttle = new Throttle(LIMITS);
    const lost = throttle.noteRetryAfter(APP, MAILBOX, 4, 10_000);
    throttle.noteRetryAfter(APP, MAILBOX, 4, 11_000);
    throttle.withdrawRetryAfter(lost);
    admitted(throttle.begin(APP, MAILBOX, 13_000))();
    expect(early(throttle)).toBe(1);
  });
});
