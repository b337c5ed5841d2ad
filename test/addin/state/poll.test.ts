import { startPolling } from '../../../addin/state/poll';

/** The live poll ticks every interval while visible, never while hidden, at once on showing, never overlapping. */

function harness(visible = true) {
  let shown = visible;
  const handlers = new Set<() => void>();
  let release: (() => void) | null = null;
  const tick = jest.fn(() => new Promise<void>((resolve) => (release = resolve)));
  const stop = startPolling({
    intervalMs: 3000,
    tick,
    isVisible: () => shown,
    onVisibilityChange: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    setTimeout: (run, ms) => setTimeout(run, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  });
  return {
    tick,
    stop,
    handlers,
    setVisible(v: boolean) {
      shown = v;
      for (const h of handlers) h();
    },
    /** Ends the tick in progress. */
    async finish() {
      release?.();
      release = null;
      await Promise.resolve();
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('ticks every interval while visible, waiting for each tick to end', async () => {
  const h = harness();
  jest.advanceTimersByTime(2999);
  expect(h.tick).toHaveBeenCalledTimes(0);
  jest.advanceTimersByTime(1);
  expect(h.tick).toHaveBeenCalledTimes(1);
  // A slow answer: no second request piles up behind it.
  jest.advanceTimersByTime(10_000);
  expect(h.tick).toHaveBeenCalledTimes(1);
  await h.finish();
  jest.advanceTimersByTime(3000);
  expect(h.tick).toHaveBeenCalledTimes(2);
  h.stop();
});

it('stops while hidden and ticks at once when shown again', async () => {
  const h = harness();
  h.setVisible(false);
  jest.advanceTimersByTime(30_000);
  expect(h.tick).not.toHaveBeenCalled();
  h.setVisible(true);
  expect(h.tick).toHaveBeenCalledTimes(1);
  await h.finish();
  jest.advanceTimersByTime(3000);
  expect(h.tick).toHaveBeenCalledTimes(2);
  h.stop();
});

it('does not start while hidden, and keeps going after a failed tick', async () => {
  const h = harness(false);
  jest.advanceTimersByTime(10_000);
  expect(h.tick).not.toHaveBeenCalled();
  h.tick.mockImplementationOnce(() => Promise.reject(new Error('offline')));
  h.setVisible(true);
  await Promise.resolve();
  await Promise.resolve();
  await Promise.resolve();
  jest.advanceTimersByTime(3000);
  expect(h.tick).toHaveBeenCalledTimes(2);
  h.stop();
});

it('after stop: no ticks and no visibility handler left', () => {
  const h = harness();
  h.stop();
  expect(h.handlers.size).toBe(0);
  jest.advanceTimersByTime(30_000);
  expect(h.tick).not.toHaveBeenCalled();
});
