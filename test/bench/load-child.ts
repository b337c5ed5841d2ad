import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { LoadPlan, LoadReply, LoadRequest, LoadResult } from './load-protocol';
import { cpuMsSince, percentile } from './metrics';

/**
 * The `api` scenario's load generator, in its own process so that its CPU time is neither the server's nor
 * taken from it unseen (it reports its own). undici's Client, one per virtual user: each user holds one
 * keep-alive TLS connection and sends its next request when the previous answer's body has been read, as a
 * task pane does, so the number of connections is the number of requests in flight.
 */

/** What a browser's fetch from the task pane sends besides the token (no cookies: the API takes bearer tokens). */
const PANE_HEADERS = {
  accept: 'application/json',
  'accept-language': 'en-US,en;q=0.9',
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
};
/** A request with no answer by then is counted as an error (the server's own request timeout is 60 s). */
const REQUEST_TIMEOUT_MS = 30_000;

function send(reply: LoadReply): void {
  process.send?.(reply);
}

/** Latencies in a growing Float64Array: a 15 s phase at a few thousand a second is under a million samples. */
class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const larger = new Float64Array(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.length++] = value;
  }

  toArray(): number[] {
    return Array.from(this.values.subarray(0, this.length));
  }
}

async function run(id: number, plan: LoadPlan): Promise<LoadResult> {
  let connections = 0;
  const clients = plan.tokens.map(() => {
    const client = new Client(plan.origin, { connect: { ca: plan.caCertPem }, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
    client.on('connect', () => connections++);
    return client;
  });
  let cursor = 0;
  let measuring = false;
  const statuses: Record<string, number> = {};
  const latencies = new Samples();
  let bytes = 0;
  let warmupRequests = 0;

  // One user: request after request on its own connection until the phase ends.
  const user = async (client: Client, token: string, until: number): Promise<void> => {
    const headers = { ...PANE_HEADERS, authorization: `Bearer ${token}` };
    while (performance.now() < until) {
      const path = plan.paths[cursor++ % plan.paths.length]!;
      const started = performance.now();
      let status: string;
      let received = 0;
      try {
        const response = await client.request({ method: 'GET', path, headers });
        for await (const chunk of response.body) received += (chunk as Buffer).length;
        status = String(response.statusCode);
      } catch {
        status = 'error';
      }
      if (!measuring) {
        warmupRequests++;
        continue;
      }
      latencies.push(performance.now() - started);
      statuses[status] = (statuses[status] ?? 0) + 1;
      bytes += received;
    }
  };
  const phase = (ms: number) => {
    const until = performance.now() + ms;
    return Promise.all(clients.map((client, i) => user(client, plan.tokens[i]!, until)));
  };

  try {
    await phase(plan.warmupMs);
    measuring = true;
    send({ type: 'measuring', id });
    const cpu = process.cpuUsage();
    const started = performance.now();
    await phase(plan.durationMs);
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = cpuMsSince(cpu);
    const values = latencies.toArray();
    const mean = values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
    return {
      requests: values.length,
      seconds,
      statuses,
      latencyMs: { p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: percentile(values, 100), mean },
      bytes,
      cpuMs,
      connections,
      warmupRequests,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

process.on('message', (raw: unknown) => {
  const request = raw as LoadRequest;
  if (request.type === 'close') {
    process.exit(0);
  }
  const { id, type: _type, ...plan } = request;
  run(id, plan).then(
    (result) => send({ type: 'result', id, result }),
    (error: unknown) => send({ type: 'error', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The parent going away (Ctrl-C, crash) ends the load too.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
