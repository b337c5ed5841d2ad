import v8 from 'node:v8';
import vm from 'node:vm';

/** Measuring helpers: RSS sampling, percentiles, CPU time. */

const MB = 1024 * 1024;
export const RSS_SAMPLE_MS = 50;

/** Samples this process's RSS every 50 ms between start() and stop(), keeping the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  private samples = 0;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
    // Never the reason the process stays alive.
    this.timer.unref();
  }

  /** Peak RSS in MB, and how many samples were taken. */
  stop(): { peakRssMb: number; samples: number } {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return { peakRssMb: this.peak / MB, samples: this.samples };
  }

  private sample(): void {
    this.samples++;
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
}

export function rssMb(): number {
  return process.memoryUsage.rss() / MB;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** CPU time (user + system) this process used since `since`, in ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

let gcFunction: (() => void) | undefined;
/**
 * A full garbage collection between phases, so the second pattern's peak RSS does not carry the first one's
 * garbage. The npm script gives node no --expose-gc, so the flag is set at run time.
 */
export function collectGarbage(): void {
  if (!gcFunction) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/**
 * With BENCH_CPU_PROFILE=<folder>, each measured phase is CPU-profiled through the inspector and written as
 * <folder>/<name>.cpuprofile (open in Chrome DevTools, or summarize with test/bench/profile-summary.ts).
 * Profiling only the phase keeps start-up, linking and delivery out of the picture.
 */
export async function profilePhase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const folder = process.env['BENCH_CPU_PROFILE'];
  if (!folder) return work();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      const fs = await import('node:fs');
      const path = await import('node:path');
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}
