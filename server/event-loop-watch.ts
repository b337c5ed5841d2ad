import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from './logger';

/**
 * Warns when the event loop was held past `thresholdMs` in the last interval: every request and every
 * mailbox waits while it is, so an operator should hear of it (with the figure, and the longest garbage
 * collection pause in the same interval, the usual suspect) before users do.
 */
export function watchEventLoop(logger: Logger, options: { thresholdMs: number; intervalMs: number } = { thresholdMs: 100, intervalMs: 5_000 }): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let longestGcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const maxMs = delay.max / 1e6;
    if (maxMs > options.thresholdMs) logger.warn({ maxDelayMs: Math.round(maxMs), longestGcMs: Math.round(longestGcMs) }, 'event loop was blocked');
    delay.reset();
    longestGcMs = 0;
  }, options.intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    gc.disconnect();
    delay.disable();
  };
}
