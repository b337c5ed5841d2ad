import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';

/**
 * Opt-in diagnostics for finding where a phase spends its time; they change nothing when off.
 *  - BENCH_SQL_STATS=1: time every SQLite statement (prepare and execution) by SQL text.
 *  - always: count the TLS connections undici opens (each builds a secure context with every trusted CA), and
 *    the HTTP requests of this process by destination: Graph (/v1.0/...), identity (token and OpenID
 *    configuration endpoints, which MailboxClients.counters() does not see) and the sandbox control API.
 * Their cost makes the phase slower: do not quote figures from a run with BENCH_SQL_STATS on.
 */

interface SqlStat {
  count: number;
  prepareMs: number;
  runMs: number;
}

const sqlStats = new Map<string, SqlStat>();
let sqlPatched = false;
let connections = 0;
let connectionsSubscribed = false;
const requests = { graph: 0, identity: 0, control: 0, other: 0 };
/** Identity requests by path (tenant id and query left out), e.g. "GET /v2.0/.well-known/openid-configuration". */
const identityPaths = new Map<string, number>();

/** Graph requests by method and shape, e.g. "GET message $value". */
const graphKinds = new Map<string, number>();

function graphKind(pathname: string): string {
  if (pathname.endsWith('/$batch')) return '$batch';
  if (pathname.endsWith('/$value')) return 'message $value';
  if (pathname.endsWith('/messages/delta')) return 'delta';
  if (/\/subscriptions(\/[^/]+)?$/.test(pathname)) return 'subscription';
  if (/\/messages$/.test(pathname)) return 'message list';
  if (/\/messages\/[^/]+$/.test(pathname)) return 'message';
  return 'other';
}

function countRequest(message: unknown): void {
  const request = (message as { request?: { method?: string; path?: string } }).request;
  const pathname = (request?.path ?? '').split('?')[0] ?? '';
  if (pathname.startsWith('/v1.0/')) {
    requests.graph++;
    const kind = `${request?.method ?? 'GET'} ${graphKind(pathname)}`;
    graphKinds.set(kind, (graphKinds.get(kind) ?? 0) + 1);
  }
  else if (pathname.startsWith('/sandbox/')) requests.control++;
  else if (/\/(oauth2|v2\.0|\.well-known|discovery)\b/.test(pathname)) {
    requests.identity++;
    const key = `${request?.method ?? 'GET'} ${pathname.replace(/^\/[0-9a-f-]{36}/, '')}`;
    identityPaths.set(key, (identityPaths.get(key) ?? 0) + 1);
  } else requests.other++;
}

export function startDiagnostics(): void {
  if (!connectionsSubscribed) {
    connectionsSubscribed = true;
    diagnostics.subscribe('undici:client:connected', () => {
      connections++;
    });
    diagnostics.subscribe('undici:request:create', countRequest);
  }
  if (process.env['BENCH_SQL_STATS'] !== '1' || sqlPatched) return;
  sqlPatched = true;
  const proto = SQLite.prototype as unknown as { prepare(sql: string): SQLite.Statement };
  const prepare = proto.prepare;
  proto.prepare = function timedPrepare(this: SQLite.Database, sql: string) {
    const started = performance.now();
    const statement = prepare.call(this, sql);
    const stat = statFor(sql);
    stat.prepareMs += performance.now() - started;
    stat.count++;
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown;
      // Own properties shadow the prototype's for this statement only.
      Object.defineProperty(statement, method, {
        value: (...args: unknown[]) => {
          const t = performance.now();
          try {
            return original.apply(statement, args);
          } finally {
            stat.runMs += performance.now() - t;
          }
        },
      });
    }
    return statement;
  };
}

function statFor(sql: string): SqlStat {
  let stat = sqlStats.get(sql);
  if (!stat) {
    stat = { count: 0, prepareMs: 0, runMs: 0 };
    sqlStats.set(sql, stat);
  }
  return stat;
}

/** Counters since the last call, and the SQL statements by total time (when BENCH_SQL_STATS=1). */
export interface Diagnostics {
  tlsConnections: number;
  httpRequests: { graph: number; identity: number; control: number; other: number };
  identityPaths: Record<string, number>;
  graphKinds: Record<string, number>;
  sql?: { statements: number; prepareMs: number; runMs: number; top: (SqlStat & { sql: string })[] };
}

export function takeDiagnostics(top = 15): Diagnostics {
  const tlsConnections = connections;
  connections = 0;
  const httpRequests = { ...requests };
  requests.graph = requests.identity = requests.control = requests.other = 0;
  const paths = Object.fromEntries(identityPaths);
  identityPaths.clear();
  const kinds = Object.fromEntries(graphKinds);
  graphKinds.clear();
  if (!sqlPatched) return { tlsConnections, httpRequests, identityPaths: paths, graphKinds: kinds };
  const all = [...sqlStats.entries()].filter(([, s]) => s.count + s.prepareMs + s.runMs > 0).map(([sql, s]) => ({ sql: sql.length > 160 ? `${sql.slice(0, 160)}...` : sql, ...s }));
  // Zeroed in place, not removed: a statement prepared before this call (the store caches them) is still timed after it.
  for (const stat of sqlStats.values()) stat.count = stat.prepareMs = stat.runMs = 0;
  return {
    tlsConnections,
    httpRequests,
    identityPaths: paths,
    graphKinds: kinds,
    sql: {
      statements: all.reduce((n, s) => n + s.count, 0),
      prepareMs: all.reduce((n, s) => n + s.prepareMs, 0),
      runMs: all.reduce((n, s) => n + s.runMs, 0),
      top: all.sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs)).slice(0, top),
    },
  };
}
