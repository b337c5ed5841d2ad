import { MailboxGovernor } from '../../../server/graph/governor';
import { parseRetryAfter } from '../../../server/graph/errors';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MailboxGovernor', () => {
  it('never lets more than 4 requests of a mailbox run at once, and lets the next one go on release', async () => {
    const governor = new MailboxGovernor();
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const waiting = Array.from({ length: 10 }, (_, i) =>
      governor.acquire().then((release) => {
        started.push(i);
        releases.push(release);
      }),
    );
    await tick();
    expect(started).toHaveLength(4);
    releases.shift()!();
    await tick();
    expect(started).toHaveLength(5);
    while (releases.length > 0) {
      releases.shift()!();
      await tick();
    }
    await Promise.all(waiting);
    expect(governor.stats()).toMatchObject({ inFlight: 0, maxInFlight: 4 });
  });

  it('gives a $batch every slot, since Exchange runs its sub-requests concurrently', async () => {
    const governor = new MailboxGovernor();
    const single = await governor.acquire();
    let batchStarted = false;
    const batch = governor.acquire(20, 4).then((release) => {
      batchStarted = true;
      return release;
    });
    await tick();
    expect(batchStarted).toBe(false);
    single();
    (await batch)();
    expect(batchStarted).toBe(true);
    expect(governor.stats().windowUnits).toBe(21);
  });

  it('holds every request until a Retry-After pause is over, and never shortens a pause', async () => {
    const governor = new MailboxGovernor();
    governor.pauseFor(300);
    governor.pauseFor(50);
    const start = Date.now();
    (await governor.acquire())();
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
  });

  it("holds a request whose body would pass the upload budget (Exchange's IncomingBytes) until enough has aged out", async () => {
    const governor = new MailboxGovernor({ uploadBytes: 1_000, uploadWindowMs: 300 });
    (await governor.acquire(1, 1, 600))();
    // A request without a body is not held by the bytes of others (held, it would wait the 300 ms window).
    let start = Date.now();
    (await governor.acquire())();
    expect(Date.now() - start).toBeLessThan(250);
    start = Date.now();
    (await governor.acquire(1, 1, 600))();
    expect(Date.now() - start).toBeGreaterThanOrEqual(250);
    expect(governor.stats().windowBytes).toBe(600);
  });

  it('waits for the budget window once the budget is spent', async () => {
    const governor = new MailboxGovernor({ budget: 3, windowMs: 250 });
    for (let i = 0; i < 3; i++) (await governor.acquire())();
    const start = Date.now();
    (await governor.acquire())();
    expect(Date.now() - start).toBeGreaterThanOrEqual(200);
    expect(governor.stats().windowUnits).toBeLessThanOrEqual(3);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p as a limit instead of switching it off', (value) => {
    expect(() => new MailboxGovernor({ concurrency: value })).toThrow(RangeError);
    expect(() => new MailboxGovernor({ budget: value })).toThrow(RangeError);
  });
});

describe('Retry-After', () => {
  it.each([
    ['2', 2000],
    ['0.25', 250],
    ['1.0001', 1001],
    ['0', 0],
  ])('reads %p seconds as %p ms', (value, ms) => {
    expect(parseRetryAfter(value)).toBe(ms);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, null, '', 'soon', '-5'])('ignores %p', (value) => {
    expect(parseRetryAfter(value)).toBeUndefined();
  });
});
