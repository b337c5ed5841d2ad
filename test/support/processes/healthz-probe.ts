import { spawn } from 'node:child_process';
import os from 'node:os';

/**
 * Asks a server's /healthz every `everyMs` from a process of its own, so that the figures are the
 * server's: a test process that also runs the sandbox would add its own pauses to every measurement.
 */

export interface ProbeResult {
  requests: number;
  failures: number;
  maxMs: number;
  p99Ms: number;
  /** Answers slower than 50 ms: when (epoch ms) and how slow. */
  slow: { at: number; ms: number }[];
}

const SCRIPT = `
const [url, everyMs] = [process.argv[1], Number(process.argv[2])];
const times = [];
const slow = [];
let failures = 0;
let stopping = false;
process.on('message', () => { stopping = true; });
(async () => {
  // The probe's own first request pays for loading fetch and opening the connection: not measured.
  await fetch(url).then((r) => r.arrayBuffer(), () => undefined);
  while (!stopping) {
    const start = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
    } catch { failures++; }
    const ms = performance.now() - start;
    times.push(ms);
    if (ms > 50) slow.push({ at: Date.now(), ms: Math.round(ms) });
    await new Promise((r) => setTimeout(r, everyMs));
  }
  times.sort((a, b) => a - b);
  process.send({ requests: times.length, failures, maxMs: times.at(-1) ?? 0, p99Ms: times[Math.floor(times.length * 0.99)] ?? 0, slow }, () => process.exit(0));
})();
`;

export interface HealthzProbe {
  stop(): Promise<ProbeResult>;
}

export function startHealthzProbe(baseUrl: string, everyMs = 20, priority?: number): HealthzProbe {
  const child = spawn(process.execPath, ['-e', SCRIPT, `${baseUrl}/healthz`, String(everyMs)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  if (priority !== undefined && child.pid !== undefined) os.setPriority(child.pid, priority);
  const result = new Promise<ProbeResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ProbeResult));
    child.once('exit', (code) => reject(new Error(`healthz probe exited with ${code} before reporting`)));
  });
  return {
    stop: async () => {
      child.send('stop');
      return result;
    },
  };
}
