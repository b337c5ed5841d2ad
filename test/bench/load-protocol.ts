/** Messages between the benchmark (parent) and its load generator child (load-child.ts), over the IPC channel of `fork`. */

/** One endpoint's load: each virtual user has its own keep-alive connection and token, and sends request after request. */
export interface LoadPlan {
  /** https://127.0.0.1:port of the server under test. */
  origin: string;
  /** The sandbox CA the server's certificate is signed by. */
  caCertPem: string;
  /** One bearer token per virtual user (and so per connection). */
  tokens: string[];
  /** Path and query of each request; the users take them in turn from a shared cursor. */
  paths: string[];
  /** Sent and discarded first: connections and TLS set up, code compiled on both sides. */
  warmupMs: number;
  /** The measured phase: requests are started until it is over, and the last ones are waited for. */
  durationMs: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Requests answered during the measured phase, whatever their status. */
  requests: number;
  /** From the measured phase's start to its last answer. */
  seconds: number;
  /** Answers by status code; `error` for a request that got none (connection reset, timeout). */
  statuses: Record<string, number>;
  /** Request sent to last byte of the body read, in the child, ms. */
  latencyMs: LatencySummary;
  /** Body bytes received in the measured phase. */
  bytes: number;
  /** The child's own CPU time (user + system) during the measured phase, ms. */
  cpuMs: number;
  /** TLS connections opened over warm-up and measurement: one per user unless the server closed some. */
  connections: number;
  warmupRequests: number;
}

export type LoadRequest = ({ type: 'run' } & LoadPlan & { id: number }) | { type: 'close'; id: number };

export type LoadReply =
  | { type: 'ready' }
  /** The measured phase begins now: the parent starts its own counters (the server's CPU time). */
  | { type: 'measuring'; id: number }
  | { type: 'result'; id: number; result: LoadResult }
  | { type: 'error'; id: number; message: string };
