import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Relaydesk } from '../../../server/wiring';
import { createRelaydesk } from '../../../server/wiring';
import { linkMailbox, servedInstanceConfig, SERVED_REDIRECT_PATH } from '../relaydesk';
import { assertBefore, type Cleanup, SandboxChild, sandboxStats, type SandboxStats } from '../harness';
import { percentile } from '../metrics';
import { startDiagnostics, takeDiagnostics } from '../diagnostics';
import { normalizeMessageId } from '../../../server/tickets/message-id';
import { describeCounts, type Figure, type ScenarioReport } from '../report';
import type { Delivery } from '../sandbox-protocol';
import type { Scenario, ScenarioOptions } from './scenario';

/**
 * Scenario `push`: mail arriving at a steady 20 messages a second across the mailboxes, into a running
 * Relaydesk server (scheduler, webhook and all), once with change notifications and once polling every 15 s
 * as Relaydesk did before push (notifications off). Each mode gets a fresh SQLite store and freshly linked
 * mailboxes; the sandbox (in a child process) delivers the mail and calls the webhook back over HTTPS.
 */

const ARRIVALS_PER_SECOND = 20;
const POLL_INTERVAL_MS = 15_000;

interface Mode {
  column: string;
  key: 'push' | 'poll';
  env: Record<string, string>;
}

const MODES: Mode[] = [
  { column: 'Push (notifications + delta)', key: 'push', env: { PUSH: 'on' } },
  { column: 'Poll every 15 s', key: 'poll', env: { PUSH: 'off', SYNC_INTERVAL_MS: String(POLL_INTERVAL_MS) } },
];

interface ModeRun {
  ingested: number;
  latencyMsP50: number;
  latencyMsP99: number;
  latencyMsMax: number;
  throttledUnitsPerMessage: number;
  graphRequestsPerMessage: number;
  /** Delta rounds (pages of the Inbox's changes) per message: how many syncs the arrivals caused. */
  deltaPagesPerMessage: number;
  graphKinds: Record<string, number>;
  sandbox: SandboxStats;
  arrivalSeconds: number;
  loadAverage: [number, number];
  problems: string[];
}

export const pushScenario: Scenario = {
  name: 'push',
  description: `mail arriving at ${ARRIVALS_PER_SECOND}/s into a running server: delivery-to-ticket latency with change notifications vs a 15 s poll`,
  defaultMessages: 1000,
  run: runPush,
};

async function runPush(options: ScenarioOptions, cleanup: Cleanup): Promise<ScenarioReport> {
  const { messages, mailboxes, seed, log } = options;
  const sandbox = await SandboxChild.start(cleanup);
  const addresses = Array.from({ length: mailboxes }, (_, i) => `bench-push-${i + 1}@contoso.test`);
  log(`push: generating ${messages} demo messages for ${mailboxes} mailboxes`);
  await sandbox.request('generated', { type: 'generate', addresses, messages, seed, customers: Math.max(10, Math.ceil(messages / 5)) });

  const runs: ModeRun[] = [];
  for (const mode of MODES) runs.push(await runMode(mode, sandbox, addresses, options, cleanup));
  const [push, poll] = runs as [ModeRun, ModeRun];

  const figure = (name: keyof ModeRun & string, label: string, digits: number, target?: Figure['target']): Figure => ({ name, label, digits, values: [push[name] as number, poll[name] as number], ...(target ? { target } : {}) });
  return {
    scenario: 'push',
    title: `push: ${messages} messages over ${mailboxes} mailboxes arriving at ${ARRIVALS_PER_SECOND}/s, SQLite`,
    columns: MODES.map((m) => m.column),
    figures: [
      figure('latencyMsP50', 'Delivery to ticket p50, ms', 0),
      figure('latencyMsP99', 'Delivery to ticket p99, ms', 0, { kind: 'max', value: 2000 }),
      figure('latencyMsMax', 'Delivery to ticket max, ms', 0),
      figure('throttledUnitsPerMessage', 'Throttled units per message', 3),
      figure('graphRequestsPerMessage', 'Graph HTTP requests per message', 3),
      figure('deltaPagesPerMessage', 'Delta pages read per message', 3),
    ],
    notes: [
      `${messages} messages delivered at ${ARRIVALS_PER_SECOND} a second in all (${(ARRIVALS_PER_SECOND / mailboxes).toFixed(1)} a second per mailbox), interleaved across ${mailboxes} mailboxes, each received "now"; arrival took ${push.arrivalSeconds.toFixed(1)} s / ${poll.arrivalSeconds.toFixed(1)} s.`,
      'Each mode ran a real server (HTTPS listener, webhook, scheduler, parse workers) with its own fresh SQLite store; mailboxes linked through the admin API and the sandbox consent page, then left to the scheduler.',
      `Push: Graph subscriptions on each Inbox, the webhook marks the mailbox due (debounced, PUSH_DEBOUNCE_MS default), the sync reads the Inbox's delta link; the 5-minute check poll never came due. Poll: notifications off, a sync every ${POLL_INTERVAL_MS / 1000} s per mailbox, also through the delta link.`,
      'Latency = the sandbox answering 201 to the delivery, to the ingest transaction committing (SyncDeps.onIngested), both clocks on this machine.',
      'Throttled units = the sandbox\'s throttledUnits for these mailboxes during the arrival phase (each $batch sub-request counts, as Exchange counts them); it includes each message\'s mark-read (1 unit), so about 1 is the floor in mark_read mode.',
      `Sandbox: push ${describe(push.sandbox)}; poll ${describe(poll.sandbox)}.`,
      `Graph requests by kind: push ${describeCounts(push.graphKinds)}; poll ${describeCounts(poll.graphKinds)}.`,
      `1-minute load average at start / end: push ${push.loadAverage.map((l) => l.toFixed(2)).join(' / ')}, poll ${poll.loadAverage.map((l) => l.toFixed(2)).join(' / ')} on ${os.cpus().length} cores.`,
    ],
    problems: [...push.problems.map((p) => `push: ${p}`), ...poll.problems.map((p) => `poll: ${p}`)],
    details: { messages, mailboxes, seed, arrivalsPerSecond: ARRIVALS_PER_SECOND, push, poll },
  };
}

async function runMode(mode: Mode, sandbox: SandboxChild, addresses: string[], options: ScenarioOptions, cleanup: Cleanup): Promise<ModeRun> {
  const { log, deadline } = options;
  const { config, origin } = await servedInstanceConfig(cleanup, `push-${mode.key}`, mode.env);
  const committedAt = new Map<string, number>();
  const rd = await createRelaydesk(config, {
    sandbox: sandbox.info,
    onIngested: (_outcome, message) => {
      if (!committedAt.has(message.id)) committedAt.set(message.id, Date.now());
    },
  });
  cleanup.add(`close the ${mode.key} server`, () => rd.close());
  await rd.start();

  log(`${mode.key}: linking ${addresses.length} mailboxes`);
  for (const address of addresses) {
    assertBefore(deadline, 'linking');
    await linkMailbox(sandbox, rd.app, rd.store, address, `${origin}${SERVED_REDIRECT_PATH}`);
  }
  await waitForReady(rd, mode, addresses.length, deadline);

  await sandbox.control('POST', '/sandbox/stats/reset');
  startDiagnostics();
  takeDiagnostics();
  const countersBefore = rd.clients.counters();
  const loadAtStart = os.loadavg()[0] ?? NaN;
  log(`${mode.key}: delivering ${options.messages} messages at ${ARRIVALS_PER_SECOND}/s`);
  const arrivalStart = performance.now();
  const { deliveries } = await sandbox.request('delivered', { type: 'deliverPaced', addresses, perSecond: ARRIVALS_PER_SECOND, deadline });
  const arrivalSeconds = (performance.now() - arrivalStart) / 1000;
  // The last messages are ticketed by the next sync: at most one poll interval (plus its sync) later.
  const settleBy = Date.now() + POLL_INTERVAL_MS * 2 + 30_000;
  while (deliveries.some((d) => !committedAt.has(d.graphId)) && Date.now() < Math.min(settleBy, deadline)) await sleep(100);
  const stats = await sandboxStats(sandbox, addresses);
  const counters = rd.clients.counters();
  const graphKinds = takeDiagnostics().graphKinds;

  const problems = await verify(rd, deliveries, committedAt);
  const latencies = deliveries.filter((d) => committedAt.has(d.graphId)).map((d) => committedAt.get(d.graphId)! - d.deliveredAt);
  const ingested = latencies.length;
  const run: ModeRun = {
    ingested,
    latencyMsP50: percentile(latencies, 50),
    latencyMsP99: percentile(latencies, 99),
    latencyMsMax: percentile(latencies, 100),
    throttledUnitsPerMessage: stats.throttledUnits / ingested,
    graphRequestsPerMessage: (counters.requests - countersBefore.requests) / ingested,
    deltaPagesPerMessage: (graphKinds['GET delta'] ?? 0) / ingested,
    graphKinds,
    sandbox: stats,
    arrivalSeconds,
    loadAverage: [loadAtStart, os.loadavg()[0] ?? NaN],
    problems,
  };
  log(`${mode.key}: ${ingested} ticketed, p50 ${run.latencyMsP50} ms, p99 ${run.latencyMsP99} ms, ${run.throttledUnitsPerMessage.toFixed(3)} throttled units per message`);
  await rd.close();
  return run;
}

/** Every mailbox synced once (its delta link set) and, with push, subscribed. */
async function waitForReady(rd: Relaydesk, mode: Mode, count: number, deadline: number): Promise<void> {
  for (;;) {
    assertBefore(deadline, 'waiting for the first syncs');
    const rows = (await rd.store.mailboxes.list()).filter((m) => m.state === 'active');
    const ready = rows.filter((m) => m.delta_link !== null && (mode.key === 'poll' || m.push_state === 'on'));
    if (rows.length === count && ready.length === count) return;
    await sleep(200);
  }
}

async function verify(rd: Relaydesk, deliveries: Delivery[], committedAt: Map<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const missing = deliveries.filter((d) => !committedAt.has(d.graphId)).length;
  if (missing > 0) problems.push(`${missing} delivered messages were not ticketed in time`);
  const records = await rd.store.mailMessages.findByMessageIds(deliveries.map((d) => normalizeMessageId(d.internetMessageId) ?? d.internetMessageId));
  const seen = new Map<string, number>();
  for (const r of records) if (r.direction === 'inbound') seen.set(r.internet_message_id, (seen.get(r.internet_message_id) ?? 0) + 1);
  const doubled = [...seen.values()].filter((n) => n > 1).length;
  if (doubled > 0) problems.push(`${doubled} messages were recorded more than once`);
  return problems;
}

function describe(s: SandboxStats): string {
  return `${s.requests} Graph operations, ${s.throttled429} answered 429, max ${s.maxInFlight} in flight`;
}
