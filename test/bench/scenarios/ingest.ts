import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IngestOutcome } from '../../../server/inbound/ingest/ingest';
import { syncMailbox, type SyncDeps, type SyncSettings } from '../../../server/inbound/sync/mailbox-sync';
import { normalizeMessageId } from '../../../server/tickets/message-id';
import type { MailboxRow } from '../../../server/store/schema';
import { assertBefore, type Cleanup, SandboxChild, sandboxStats, type SandboxStats, tokenRequests, type TokenRequests, total } from '../harness';
import { startDiagnostics, takeDiagnostics, type Diagnostics } from '../diagnostics';
import { collectGarbage, cpuMsSince, percentile, profilePhase, RssSampler, rssMb } from '../metrics';
import { peerSyncMailbox } from '../peer-pattern';
import { clearAppScope, type LinkMode, OUT_OF_SCOPE_ADDRESS, startRelaydesk, type RelaydeskInstance } from '../relaydesk';
import { describeCounts, type Figure, type ScenarioReport } from '../report';
import type { Delivery } from '../sandbox-protocol';
import type { Scenario, ScenarioOptions } from './scenario';

/**
 * Scenario `ingest`: N realistic mixed messages across M linked mailboxes, drained by Relaydesk's sync and,
 * on an identical second copy of the same mail, by the usual peer pattern through the same Graph client,
 * governor, parser, filters and ingest code. Relaydesk also drains the same mail with the mailboxes linked in
 * application mode (M shared mailboxes, the app's own token), so the two link modes compare side by side,
 * identity requests included. Each pattern gets a fresh SQLite store and freshly linked mailboxes; the
 * sandbox runs in a child process.
 */

/**
 * Messages per demo customer: the backlog comes from as many senders as a helpdesk's would, so the default
 * sender burst limit (20 messages in 10 minutes) applies unchanged, as in production.
 */
const MESSAGES_PER_CUSTOMER = 5;
const SETTINGS: Partial<SyncSettings> = {};
/** Syncs of one mailbox beyond what its mail needs, for passes cut short by throttling or errors. */
const EXTRA_SYNCS = 20;
const RETRY_PAUSE_MS = 200;

interface PassResult {
  listed: number;
  /** Every listed message was handled and marked read. */
  complete: boolean;
}

interface Pattern {
  column: string;
  key: 'relaydesk' | 'peer' | 'leave_unread' | 'application';
  /** How the pattern's mailboxes are linked (default delegated: one consenting user, one refresh token each). */
  mode?: LinkMode;
  sync(deps: SyncDeps, mailbox: MailboxRow, shouldContinue: () => boolean): Promise<PassResult>;
  /** Before the mail arrives: settings, and a first sync (which sets the Inbox's delta link). */
  prepare?(instance: RelaydeskInstance, deps: SyncDeps, rows: MailboxRow[]): Promise<MailboxRow[]>;
  /** The mail is left unread in the Inbox after ingest (so the check at the end expects it unread). */
  leavesUnread?: boolean;
}

async function syncMarkingRead(deps: SyncDeps, mailbox: MailboxRow, shouldContinue: () => boolean): Promise<PassResult> {
  const r = await syncMailbox(deps, mailbox, shouldContinue);
  return { listed: r.listed, complete: r.markReadFailed === 0 && r.ingested + r.alreadyRecorded + r.deadLettered === r.listed };
}

const RELAYDESK: Pattern = {
  column: 'Relaydesk (delegated)',
  key: 'relaydesk',
  sync: syncMarkingRead,
};

/**
 * Relaydesk as the first column (mark_read, default settings), with the mailboxes linked in application mode:
 * shared mailboxes, reached with the app's own token for the tenant (signed with its certificate), within
 * an app scope that holds exactly them.
 */
const APPLICATION: Pattern = {
  column: 'application (Relaydesk, app-only token)',
  key: 'application',
  mode: 'application',
  sync: syncMarkingRead,
};

/**
 * Relaydesk with `leave_unread`: each mailbox is synced once before the mail arrives, so the backlog is read
 * through the Inbox's delta link, and nothing is written back to Exchange.
 */
const LEAVE_UNREAD: Pattern = {
  column: 'leave_unread (Relaydesk, through delta)',
  key: 'leave_unread',
  leavesUnread: true,
  async sync(deps, mailbox, shouldContinue) {
    // The row as the scheduler would claim it: with the delta link the last sync stored.
    const current = (await deps.store.mailboxes.findById(mailbox.id)) ?? mailbox;
    const r = await syncMailbox(deps, current, shouldContinue);
    return { listed: r.listed, complete: r.ingested + r.alreadyRecorded + r.deadLettered === r.listed };
  },
  async prepare(instance, deps, rows) {
    const prepared: MailboxRow[] = [];
    for (const row of rows) {
      const updated = await instance.store.mailboxes.update(row.id, { after_ingest: 'leave_unread' });
      await syncMailbox(deps, updated);
      const synced = await instance.store.mailboxes.findById(row.id);
      if (!synced?.delta_link) throw new Error(`${row.address} has no delta link after its first sync`);
      prepared.push(synced);
    }
    return prepared;
  },
};

const PEER: Pattern = {
  column: 'Peer pattern',
  key: 'peer',
  async sync(deps, mailbox, shouldContinue) {
    const r = await peerSyncMailbox(deps, mailbox, shouldContinue);
    return { listed: r.listed, complete: r.ingested + r.alreadyRecorded + r.failed === r.listed };
  },
};


interface PatternRun {
  column: string;
  messages: number;
  ingested: number;
  unmatchedIngests: number;
  outcomes: Record<string, number>;
  deliveryMs: number;
  syncMs: number;
  messagesPerSecond: number;
  httpRequests: number;
  governorUnits: number;
  sandbox: SandboxStats;
  /** The sandbox's token endpoint requests by grant type: while linking (and preparing), and during the sync. */
  tokenRequestsLinking: TokenRequests;
  tokenRequestsIngest: TokenRequests;
  /** The same, counted by Relaydesk's AppTokens (application mode; 0 when delegated). */
  appTokenRequestsLinking: number;
  appTokenRequestsIngest: number;
  tokenRequestsPerMessage: number;
  graphRequestsPerMessage: number;
  throttledUnitsPerMessage: number;
  latencyMsP50: number;
  latencyMsP99: number;
  latencyMsMax: number;
  peakRssMb: number;
  rssAtSyncStartMb: number;
  rssSamples: number;
  /** 1-minute load averages at the start and end of the sync phase (other processes on the machine skew the figures). */
  loadAverage: [number, number];
  relaydeskCpuMs: number;
  sandboxCpuMs: number;
  syncs: number;
  syncErrors: string[];
  /** TLS connections opened during the sync phase (and SQL timings with BENCH_SQL_STATS=1). */
  diagnostics: Diagnostics;
  problems: string[];
}

export const ingestScenario: Scenario = {
  name: 'ingest',
  description: 'N mixed messages across M mailboxes: Relaydesk sync (delegated and application mode) vs the usual peer pattern',
  run: runIngest,
};

async function runIngest(options: ScenarioOptions, cleanup: Cleanup): Promise<ScenarioReport> {
  const { messages, mailboxes, seed, log } = options;
  startDiagnostics();
  log(`ingest: starting the sandbox child`);
  const sandbox = await SandboxChild.start(cleanup);
  const addresses = Array.from({ length: mailboxes }, (_, i) => `bench-inbox-${i + 1}@contoso.test`);
  // Application mode links shared mailboxes (nobody signs in as them), so they are mailboxes of their own.
  const sharedAddresses = Array.from({ length: mailboxes }, (_, i) => `bench-shared-${i + 1}@contoso.test`);
  log(`ingest: generating ${messages} demo messages for ${mailboxes} mailboxes, and again for ${mailboxes} shared ones (in the sandbox child)`);
  const customers = Math.max(10, Math.ceil(messages / MESSAGES_PER_CUSTOMER));
  const { kinds } = await sandbox.request('generated', { type: 'generate', addresses, messages, seed, customers });
  // The same seeds: the same mail, addressed to the shared mailboxes.
  const { kinds: sharedKinds } = await sandbox.request('generated', { type: 'generate', addresses: sharedAddresses, messages, seed, customers });

  const relaydesk = await runPattern(RELAYDESK, sandbox, addresses, options, cleanup);
  collectGarbage();
  // Right after the delegated run, so the two modes meet the machine in the same state.
  const application = await runPattern(APPLICATION, sandbox, sharedAddresses, options, cleanup);
  // Tenant-wide again: the checks of the runs that follow read their inboxes with an app-only token.
  await clearAppScope(sandbox);
  collectGarbage();
  const peer = await runPattern(PEER, sandbox, addresses, options, cleanup);
  collectGarbage();
  const leaveUnread = await runPattern(LEAVE_UNREAD, sandbox, addresses, options, cleanup);

  const runs = [relaydesk, peer, leaveUnread, application];
  const appColumn = runs.indexOf(application);
  const figure = (name: keyof PatternRun & string, label: string, digits: number, target?: Figure['target'], moreTargets?: Figure['target'][]): Figure => ({
    name,
    label,
    digits,
    values: runs.map((run) => run[name] as number),
    ...(target ? { target } : {}),
    ...(moreTargets?.some(Boolean) ? { moreTargets: moreTargets.filter((t): t is NonNullable<typeof t> => t !== undefined) } : {}),
  });
  const perMessage = (run: PatternRun, value: number) => (run.ingested > 0 ? value / run.ingested : NaN);
  // The targets are for the sandbox on loopback; with added latency the run only compares the two patterns.
  const target = (t: Figure['target']) => (options.graphLatencyMs === 0 ? t : undefined);
  // Application mode drains the mail as the first column does, so the first column's targets apply to it too.
  const figures: Figure[] = [
    figure('messagesPerSecond', 'Messages per second', 0, target({ kind: 'min', value: 1000 }), [target({ kind: 'min', value: 1000, column: appColumn })]),
    figure('graphRequestsPerMessage', 'Graph HTTP requests per message', 3, target({ kind: 'max', value: 0.2 }), [target({ kind: 'max', value: 0.2, column: appColumn })]),
    figure('throttledUnitsPerMessage', 'Throttled units per message', 3, target({ kind: 'max', value: 1.05 }), [target({ kind: 'max', value: 0.1, column: 2 }), target({ kind: 'max', value: 1.05, column: appColumn })]),
    figure('latencyMsP50', 'Latency p50, ms', 0),
    figure('latencyMsP99', 'Latency p99, ms', 0),
    figure('peakRssMb', 'Peak RSS, MB', 1),
    { name: 'identityRequestsPerMessage', label: 'Identity HTTP requests per message', digits: 3, values: runs.map((run) => perMessage(run, run.diagnostics.httpRequests.identity)) },
    figure('tokenRequestsPerMessage', 'Token requests per message (ingest)', 4),
    { name: 'tokenRequestsIngest', label: 'Token requests during the ingest', digits: 0, values: runs.map((run) => total(run.tokenRequestsIngest)) },
    { name: 'tokenRequestsLinking', label: 'Token requests while linking', digits: 0, values: runs.map((run) => total(run.tokenRequestsLinking)) },
    { name: 'syncSeconds', label: 'Sync phase, s', digits: 2, values: runs.map((run) => run.syncMs / 1000) },
    { name: 'relaydeskCpuMsPerMessage', label: 'Relaydesk CPU ms per message', digits: 2, values: runs.map((run) => perMessage(run, run.relaydeskCpuMs)) },
    { name: 'sandboxCpuMsPerMessage', label: 'Sandbox CPU ms per message', digits: 2, values: runs.map((run) => perMessage(run, run.sandboxCpuMs)) },
  ];

  const sameOutcomes = JSON.stringify(sortedEntries(relaydesk.outcomes)) === JSON.stringify(sortedEntries(peer.outcomes));
  const sameAppOutcomes = JSON.stringify(sortedEntries(relaydesk.outcomes)) === JSON.stringify(sortedEntries(application.outcomes));
  const sameMix = JSON.stringify(sortedEntries(kinds)) === JSON.stringify(sortedEntries(sharedKinds));
  const grants = (counts: TokenRequests) => describeCounts(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))) || 'none';
  const notes = [
    `${messages} messages across ${mailboxes} mailboxes, mix ${describeCounts(kinds)}; each pattern drained identical copies of the same mail into its own fresh SQLite store, with freshly linked mailboxes.`,
    `The mail comes from ${customers} customers (about ${MESSAGES_PER_CUSTOMER} messages each, besides newsletters, no-reply senders and bounces); every SyncSettings is the default (sender burst limit 20 in 10 minutes, pageSize 100, perSyncCap 1000, ingestBatchSize 50).`,
    `Messages per second = messages ingested / wall time of the sync phase (all ${mailboxes} mailboxes concurrently, each until its inbox was read).`,
    options.graphLatencyMs > 0
      ? `Graph latency: the sandbox added ${options.graphLatencyMs} ms to every Graph request (a $batch once) during the sync phase, as a remote Exchange Online would; the targets are for loopback speed and are not checked.`
      : 'Graph on loopback (no added latency; --graph-latency-ms N adds some).',
    'Graph HTTP requests = requests sent through MailboxClients (a $batch is one); throttled units = the sandbox\'s throttledUnits (each $batch sub-request counts, as Exchange counts them). Identity HTTP requests = requests this process sent to the sandbox\'s Entra endpoints during the sync (token, OpenID configuration), which the Graph figures do not include.',
    `Latency = sandbox delivery (201) to the ingest transaction committing (SyncDeps.onIngested). All mail is delivered before the sync starts (delivery took ${secs(relaydesk.deliveryMs)} s / ${secs(peer.deliveryMs)} s), so latency is mostly time spent waiting in the backlog.`,
    `Peak RSS of the Relaydesk process (sampled every 50 ms during the sync phase; at its start ${relaydesk.rssAtSyncStartMb.toFixed(1)} / ${peer.rssAtSyncStartMb.toFixed(1)} MB). Every pattern runs in this process (Relaydesk delegated, application, peer, leave_unread, in that order), with a full GC in between; the sandbox (pid ${sandbox.pid}) runs in a child process and shares the 2 cores.`,
    `Outcomes: Relaydesk ${describeCounts(relaydesk.outcomes)}; peer ${sameOutcomes ? 'the same' : describeCounts(peer.outcomes)}.`,
    `Relaydesk leave_unread: each mailbox set to leave mail unread after ingest and synced once before the mail arrived (that sync set the Inbox's delta link), so the backlog was read through delta pages and nothing was written back; the mail stays unread in Outlook. Graph requests by kind: ${describeCounts(leaveUnread.diagnostics.graphKinds)}.`,
    `Sandbox: Relaydesk ${describeStats(relaydesk.sandbox)}; peer ${describeStats(peer.sandbox)}.`,
    `1-minute load average at the start / end of the sync: Relaydesk ${relaydesk.loadAverage.map((l) => l.toFixed(2)).join(' / ')}, peer ${peer.loadAverage.map((l) => l.toFixed(2)).join(' / ')} on ${os.cpus().length} cores (the benchmark itself accounts for up to about 2; more means other processes competed for the CPU and the figures are low).`,
    `Graph requests by kind: Relaydesk ${describeCounts(relaydesk.diagnostics.graphKinds)}; peer ${describeCounts(peer.diagnostics.graphKinds)}.`,
    `Identity requests during the sync: Relaydesk ${describeCounts(relaydesk.diagnostics.identityPaths) || 'none'}; peer ${describeCounts(peer.diagnostics.identityPaths) || 'none'}; application ${describeCounts(application.diagnostics.identityPaths) || 'none'}. TLS connections opened: ${relaydesk.diagnostics.tlsConnections} / ${peer.diagnostics.tlsConnections} / ${application.diagnostics.tlsConnections}.`,
    `Application mode: the same mail (same seeds${sameMix ? '' : `, but the mix came out ${describeCounts(sharedKinds)}`}) addressed to ${mailboxes} shared mailboxes (bench-shared-N, no sign-in), linked by address with POST /api/mailboxes mode 'application': the instance signs its client-credentials requests with the sandbox app's certificate, the app's scope (POST /sandbox/app-scopes) holds exactly these ${mailboxes} mailboxes, and every link proved ${OUT_OF_SCOPE_ADDRESS} out of reach (scope 'scoped'). Settings as the delegated column (mark_read, every SyncSettings default). Outcomes ${sameAppOutcomes ? 'the same as delegated' : describeCounts(application.outcomes)}; Graph requests by kind ${describeCounts(application.diagnostics.graphKinds)}; sandbox ${describeStats(application.sandbox)}; load average ${application.loadAverage.map((l) => l.toFixed(2)).join(' / ')}.`,
    `Token requests = POSTs to the sandbox's token endpoint (GET /sandbox/stats identity.tokenRequests, by grant type), per message ingested. While linking: delegated ${grants(relaydesk.tokenRequestsLinking)}; application ${grants(application.tokenRequestsLinking)} (Relaydesk's AppTokens counted ${application.appTokenRequestsLinking}). During the ingest: delegated ${grants(relaydesk.tokenRequestsIngest)}; peer ${grants(peer.tokenRequestsIngest)}; leave_unread ${grants(leaveUnread.tokenRequestsIngest)} (its first sync, before the mail, took its tokens); application ${grants(application.tokenRequestsIngest)} (AppTokens ${application.appTokenRequestsIngest}).`,
    `A delegated mailbox has its own grant: each costs a token request when linked, another when its first sync takes an access token, and one per access-token lifetime (60 to 90 minutes) after that. In application mode the ${mailboxes} mailboxes share the tenant's one app token: one client_credentials request, taken by the first link's proofs and reused by the ingest, then one per lifetime for the whole tenant (the renewals are not in a run this short).`,
  ];
  if (relaydesk.syncErrors.length + peer.syncErrors.length + application.syncErrors.length > 0) notes.push(`Sync passes that failed and were retried: Relaydesk ${relaydesk.syncErrors.length}, peer ${peer.syncErrors.length}, application ${application.syncErrors.length} (first: ${[...relaydesk.syncErrors, ...peer.syncErrors, ...application.syncErrors][0]}).`);
  if (!sameOutcomes) notes.push('The two patterns reached different outcomes on the same mail: the JSON path (graphToInbound) and the MIME path (inboundMailFromMime) do not classify every message alike.');

  return {
    scenario: 'ingest',
    title: `ingest: ${messages} messages, ${mailboxes} mailboxes, SQLite`,
    columns: runs.map((run) => run.column),
    figures,
    notes,
    problems: [
      ...relaydesk.problems.map((p) => `Relaydesk: ${p}`),
      ...peer.problems.map((p) => `peer: ${p}`),
      ...leaveUnread.problems.map((p) => `leave_unread: ${p}`),
      ...application.problems.map((p) => `application: ${p}`),
    ],
    details: {
      messages,
      mailboxes,
      seed,
      graphLatencyMs: options.graphLatencyMs,
      mix: kinds,
      sharedMix: sharedKinds,
      customers,
      sandboxPid: sandbox.pid,
      relaydesk: summary(relaydesk),
      peer: summary(peer),
      leaveUnread: summary(leaveUnread),
      application: summary(application),
    },
  };
}

async function runPattern(pattern: Pattern, sandbox: SandboxChild, addresses: string[], options: ScenarioOptions, cleanup: Cleanup): Promise<PatternRun> {
  const { log, deadline } = options;
  const instance = await startRelaydesk(sandbox, cleanup, pattern.key, { mode: pattern.mode ?? 'delegated' });
  log(`${pattern.key}: linking ${addresses.length} mailboxes ${instance.mode === 'application' ? 'in application mode (by address, app-only token)' : 'through the admin API and the consent page'}`);
  // Token requests are counted from here: linking is where each mode takes its first tokens.
  await sandbox.control('POST', '/sandbox/stats/reset');
  const appTokensAtStart = instance.appTokens.counters().requests;
  const rows: MailboxRow[] = [];
  for (const address of addresses) {
    assertBefore(deadline, 'linking');
    rows.push(await instance.linkMailbox(address));
  }

  const ready = pattern.prepare ? await pattern.prepare(instance, instance.syncDeps(SETTINGS), rows) : rows;
  rows.splice(0, rows.length, ...ready);
  const tokenRequestsLinking = await tokenRequests(sandbox);
  const appTokensLinked = instance.appTokens.counters().requests;

  log(`${pattern.key}: delivering ${options.messages} messages`);
  const deliveryStart = performance.now();
  // receivedDateTime 1 ms apart in generation order (oldest first = thread order): an hour old for a backlog
  // found by the first sync, from now on for one that arrives after it.
  const receivedBase = pattern.prepare ? Date.now() : Date.now() - options.messages - 3_600_000;
  const { deliveries } = await sandbox.request('delivered', { type: 'deliver', addresses, receivedBase, deadline });
  const deliveryMs = performance.now() - deliveryStart;
  const byGraphId = new Map(deliveries.map((d) => [d.graphId, d]));

  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let unmatchedIngests = 0;
  const onIngested = (outcome: IngestOutcome, message: { id: string }) => {
    const delivered = byGraphId.get(message.id);
    if (delivered) latencies.push(Date.now() - delivered.deliveredAt);
    else unmatchedIngests++;
    outcomes[outcome.kind] = (outcomes[outcome.kind] ?? 0) + 1;
  };
  const deps = instance.syncDeps(SETTINGS, onIngested);

  if (options.graphLatencyMs > 0) await sandbox.control('PUT', '/sandbox/faults', { latencyMs: options.graphLatencyMs });
  await sandbox.control('POST', '/sandbox/stats/reset');
  collectGarbage();
  const rssAtSyncStartMb = rssMb();
  const sandboxBefore = await sandbox.usage();
  const countersBefore = instance.clients.counters();
  const appTokensBefore = instance.appTokens.counters().requests;
  const loadAtStart = os.loadavg()[0] ?? NaN;
  const cpuBefore = process.cpuUsage();
  takeDiagnostics();
  const sampler = new RssSampler();
  log(`${pattern.key}: syncing ${addresses.length} mailboxes concurrently`);
  sampler.start();
  const syncStart = performance.now();
  let drained: { syncs: number; errors: string[] }[];
  let rss: { peakRssMb: number; samples: number };
  try {
    drained = await profilePhase(`ingest-${pattern.key}`, () => Promise.all(rows.map((row) => drain(pattern, deps, row, Math.ceil(options.messages / addresses.length), deadline, sandbox))));
  } finally {
    rss = sampler.stop();
  }
  const syncMs = performance.now() - syncStart;
  if (options.graphLatencyMs > 0) await sandbox.control('PUT', '/sandbox/faults', {});
  const relaydeskCpuMs = cpuMsSince(cpuBefore);
  const diagnostics = takeDiagnostics();
  if (diagnostics.sql) log(`${pattern.key}: SQL ${JSON.stringify(diagnostics.sql, null, 1)}`);
  const countersAfter = instance.clients.counters();
  const sandboxAfter = await sandbox.usage();
  const stats = await sandboxStats(sandbox, addresses);
  const tokenRequestsIngest = await tokenRequests(sandbox);
  const appTokenRequestsIngest = instance.appTokens.counters().requests - appTokensBefore;

  const problems = await verify(instance, sandbox, rows, deliveries, addresses, pattern.leavesUnread ?? false);
  if (unmatchedIngests > 0) problems.push(`${unmatchedIngests} ingests of messages that were not delivered by the benchmark`);
  const ingested = latencies.length + unmatchedIngests;
  const httpRequests = countersAfter.requests - countersBefore.requests;
  const run: PatternRun = {
    column: pattern.column,
    messages: deliveries.length,
    ingested,
    unmatchedIngests,
    outcomes,
    deliveryMs,
    syncMs,
    messagesPerSecond: ingested / (syncMs / 1000),
    httpRequests,
    governorUnits: countersAfter.units - countersBefore.units,
    sandbox: stats,
    tokenRequestsLinking,
    tokenRequestsIngest,
    appTokenRequestsLinking: appTokensLinked - appTokensAtStart,
    appTokenRequestsIngest,
    tokenRequestsPerMessage: total(tokenRequestsIngest) / ingested,
    graphRequestsPerMessage: httpRequests / ingested,
    throttledUnitsPerMessage: stats.throttledUnits / ingested,
    latencyMsP50: percentile(latencies, 50),
    latencyMsP99: percentile(latencies, 99),
    latencyMsMax: percentile(latencies, 100),
    peakRssMb: rss.peakRssMb,
    rssAtSyncStartMb,
    rssSamples: rss.samples,
    loadAverage: [loadAtStart, os.loadavg()[0] ?? NaN],
    relaydeskCpuMs,
    sandboxCpuMs: sandboxAfter.cpuMs - sandboxBefore.cpuMs,
    syncs: drained.reduce((n, d) => n + d.syncs, 0),
    syncErrors: drained.flatMap((d) => d.errors),
    diagnostics,
    problems,
  };
  log(`${pattern.key}: ${ingested} messages in ${secs(syncMs)} s (${run.messagesPerSecond.toFixed(0)}/s), ${httpRequests} HTTP requests, ${stats.throttledUnits} throttled units, ${total(tokenRequestsIngest)} token requests`);
  return run;
}

/** Syncs one mailbox until a pass finds less than a full batch and handles all of it. */
async function drain(pattern: Pattern, deps: SyncDeps, mailbox: MailboxRow, expected: number, deadline: number, sandbox: SandboxChild): Promise<{ syncs: number; errors: string[] }> {
  const maxSyncs = Math.ceil(expected / deps.settings.perSyncCap) + EXTRA_SYNCS;
  const errors: string[] = [];
  for (let syncs = 1; syncs <= maxSyncs; syncs++) {
    assertBefore(deadline, `draining ${mailbox.address}`);
    sandbox.assertAlive();
    try {
      const pass = await pattern.sync(deps, mailbox, () => Date.now() < deadline);
      if (pass.complete && pass.listed < deps.settings.perSyncCap) return { syncs, errors };
    } catch (error) {
      errors.push(`${mailbox.address}: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(RETRY_PAUSE_MS);
    }
  }
  throw new Error(`${pattern.key}: ${mailbox.address} still had unread mail after ${maxSyncs} syncs (${errors.at(-1) ?? 'no errors'})`);
}

/** After the measurement: every inbox read, and every delivered message recorded exactly once in its mailbox. */
async function verify(instance: RelaydeskInstance, sandbox: SandboxChild, rows: MailboxRow[], deliveries: Delivery[], addresses: string[], leavesUnread: boolean): Promise<string[]> {
  const problems: string[] = [];
  const token = (await sandbox.control<{ access_token: string }>('POST', '/sandbox/tokens', { roles: ['Mail.ReadWrite'] })).access_token;
  for (const address of addresses) {
    const response = await fetch(`${sandbox.info.graphBaseUrl}/users/${encodeURIComponent(address)}/mailFolders/inbox?$select=unreadItemCount`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    const folder = (await response.json()) as { unreadItemCount?: number };
    const expected = leavesUnread ? deliveries.filter((d) => addresses[d.mailboxIndex] === address).length : 0;
    if (folder.unreadItemCount !== expected) problems.push(`${address} has ${folder.unreadItemCount ?? `? (${response.status})`} unread messages left (expected ${expected})`);
  }
  let lost = 0;
  let duplicated = 0;
  const CHUNK = 500;
  for (let start = 0; start < deliveries.length; start += CHUNK) {
    const chunk = deliveries.slice(start, start + CHUNK);
    const ids = chunk.map((d) => normalizeMessageId(d.internetMessageId) ?? d.internetMessageId);
    const records = await instance.store.mailMessages.findByMessageIds(ids);
    chunk.forEach((d, i) => {
      const mailboxId = rows[d.mailboxIndex]!.id;
      const n = records.filter((r) => r.mailbox_id === mailboxId && r.internet_message_id === ids[i]).length;
      if (n === 0) lost++;
      if (n > 1) duplicated++;
    });
  }
  if (lost > 0) problems.push(`${lost} delivered messages have no record in the store (lost)`);
  if (duplicated > 0) problems.push(`${duplicated} delivered messages were recorded more than once`);
  return problems;
}

function summary(run: PatternRun): Record<string, unknown> {
  const { column: _column, ...rest } = run;
  return rest;
}

function sortedEntries(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}

function describeStats(s: SandboxStats): string {
  return `${s.requests} Graph operations (batch sub-requests each), ${s.throttled429} answered 429, max ${s.maxInFlight} in flight, ${s.earlyRequests} early requests`;
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(2);
}
