import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RELAY_SETTINGS, RelayWorker, type RelaySettings } from '../../../server/outbound/relay-worker';
import type { OutboxRow } from '../../../server/store/repositories/outbox';
import type { MailboxRow, UserRow } from '../../../server/store/schema';
import { newReferenceTag } from '../../../server/tickets/reference';
import { TicketService } from '../../../server/tickets/ticket-service';
import { checkExactlyOnce, type SentLogEntry } from '../../support/processes/outbox-check';
import { startDiagnostics, takeDiagnostics } from '../diagnostics';
import { assertBefore, type Cleanup, SandboxChild, sandboxStats } from '../harness';
import { collectGarbage, cpuMsSince, percentile, profilePhase, RssSampler } from '../metrics';
import { startRelaydesk, type RelaydeskInstance } from '../relaydesk';
import { describeCounts, type Figure, type ScenarioReport } from '../report';
import type { Scenario, ScenarioOptions } from './scenario';
import { maxInWindow } from '../../support/rolling-window';

/**
 * Scenario `relay`: N agent replies on N tickets spread over M linked mailboxes, each queuing one email
 * (TicketService.addComment: the comment and its outbox row in one transaction), then a RelayWorker with the
 * server's settings sends them through the sandbox (in its child process) until the outbox is drained, at
 * Exchange Online's pace (30 a minute per mailbox, which the sandbox enforces too). A second, smaller phase
 * queues replies one at a time while the relay runs, as agents do; a third sends one reply with a 25 MB file,
 * which goes as a draft with an upload session.
 */

const SETTINGS: RelaySettings = { ...DEFAULT_RELAY_SETTINGS, messageIdDomain: 'relaydesk.bench.test' };
/** Replies in the live phase, and how many per second arrive. */
const LIVE_MAX = 100;
const LIVE_PER_SECOND = 20;
const POLL_MS = 20;
/** Exchange's message rate: per mailbox per minute. */
const PER_MINUTE = 30;
const MINUTE_MS = 60_000;
const LARGE_FILE_BYTES = 25 * 1024 * 1024;

/** The sandbox's sent log, with when each message was accepted and when it left the Outbox. */
interface PacedLogEntry extends SentLogEntry {
  submittedAt: string;
  sentAt: string | null;
}


interface Phase {
  notifications: number;
  /** Queuing the replies (drain phase: before the relay starts; live phase: while it runs). */
  queueMs: number;
  /** Drain phase: relay start -> last email accepted. Live phase: first reply committed -> last accepted. */
  sendMs: number;
  latencies: number[];
  httpRequests: number;
}

export const relayScenario: Scenario = {
  name: 'relay',
  description: 'N agent replies across M mailboxes, queued in the outbox, then sent by the RelayWorker until drained at 30 a minute per mailbox; then live replies, then one reply with a 25 MB file',
  // Two minutes of Exchange's pace with the default 10 mailboxes.
  defaultMessages: 600,
  run: runRelay,
};

async function runRelay(options: ScenarioOptions, cleanup: Cleanup): Promise<ScenarioReport> {
  const { messages: n, mailboxes: m, log, deadline } = options;
  startDiagnostics();
  log('relay: starting the sandbox child');
  const sandbox = await SandboxChild.start(cleanup);
  const instance = await startRelaydesk(sandbox, cleanup, 'relay');
  const addresses = Array.from({ length: m }, (_, i) => `bench-relay-${i + 1}@contoso.test`);
  log(`relay: linking ${m} mailboxes through the admin API and the consent page`);
  const mailboxes: MailboxRow[] = [];
  for (const address of addresses) {
    assertBefore(deadline, 'linking');
    mailboxes.push(await instance.linkMailbox(address));
  }

  // Live replies stay within one minute's pace per mailbox: they show Graph's answer time, not the queue.
  const live = Math.min(LIVE_MAX, (PER_MINUTE - 5) * m, Math.max(1, Math.floor(n / 20)));
  log(`relay: creating ${n + live + 1} tickets (no email yet)`);
  const agent = await instance.store.users.ensureStaff({ externalId: 'bench:relay-agent', email: 'bench-relay-agent@contoso.test', displayName: 'Bench Agent', role: 'agent' });
  const tickets = await createTickets(instance, mailboxes, n + live + 1, deadline);
  const service = new TicketService(instance.store);

  const committedAt = new Map<number, number>();
  const sentAt = new Map<number, number>();
  const sentRows: OutboxRow[] = [];
  const worker = new RelayWorker(
    {
      store: instance.store,
      clients: instance.clients,
      logger: instance.logger,
      settings: SETTINGS,
      onSent: (row) => {
        sentAt.set(row.ticket_id, Date.now());
        sentRows.push(row);
      },
    },
    'bench-relay',
  );
  cleanup.add('stop the relay worker', () => worker.stop());

  // Phase 1, drain: every reply committed first, then the relay sends the backlog.
  log(`relay: queuing ${n} public replies`);
  const queueStart = performance.now();
  for (const ticketId of tickets.slice(0, n)) {
    assertBefore(deadline, 'queuing replies');
    await reply(service, agent, ticketId);
    committedAt.set(ticketId, Date.now());
  }
  const queueMs = performance.now() - queueStart;
  const queued = await instance.store.outbox.countByState();
  if (queued['pending'] !== n) throw new Error(`expected ${n} pending outbox rows after queuing, found ${JSON.stringify(queued)}`);

  await sandbox.control('POST', '/sandbox/stats/reset');
  collectGarbage();
  const sandboxBefore = await sandbox.usage();
  const countersBefore = instance.clients.counters();
  const loadAtStart = os.loadavg()[0] ?? NaN;
  const cpuBefore = process.cpuUsage();
  takeDiagnostics();
  const sampler = new RssSampler();
  log(`relay: sending ${n} emails from ${m} mailboxes`);
  sampler.start();
  const relayStart = Date.now();
  let rss: { peakRssMb: number; samples: number };
  try {
    await profilePhase('relay', async () => {
      worker.start();
      await waitForSent(instance, sentAt, tickets.slice(0, n), deadline, 'the drain phase');
    });
  } finally {
    rss = sampler.stop();
  }
  const drainEnd = Math.max(...tickets.slice(0, n).map((t) => sentAt.get(t)!));
  const relaydeskCpuMs = cpuMsSince(cpuBefore);
  const countersAfter = instance.clients.counters();
  const sandboxAfter = await sandbox.usage();
  const diagnostics = takeDiagnostics();
  if (diagnostics.sql) log(`relay: SQL ${JSON.stringify(diagnostics.sql, null, 1)}`);
  const stats = await sandboxStats(sandbox, addresses);
  const drain: Phase = {
    notifications: n,
    queueMs,
    sendMs: drainEnd - relayStart,
    latencies: tickets.slice(0, n).map((t) => sentAt.get(t)! - committedAt.get(t)!),
    httpRequests: countersAfter.requests - countersBefore.requests,
  };
  log(`relay: ${n} emails in ${secs(drain.sendMs)} s (${(n / (drain.sendMs / 1000)).toFixed(1)}/s), ${drain.httpRequests} Graph requests`);
  const pacing = await pacingOf(sandbox, addresses);
  log(`relay: at most ${pacing.maxSubmittedPerMinute} accepted and ${pacing.maxLeftPerMinute} left a mailbox in any minute; longest wait in Exchange's Outbox ${pacing.maxOutboxWaitMs} ms`);

  // Phase 2, live: the relay keeps running (polling every pollMs) while replies arrive one at a time, once the
  // drain's minute has passed, so that a reply waits for Graph and not for the mailbox's pace.
  await sleep(SETTINGS.pacing.windowMs + 1_000);
  log(`relay: ${live} replies arriving at ${LIVE_PER_SECOND}/s while the relay runs`);
  const liveTickets = tickets.slice(n, n + live);
  const liveCountersBefore = instance.clients.counters();
  const liveStart = Date.now();
  for (const [i, ticketId] of liveTickets.entries()) {
    assertBefore(deadline, 'the live phase');
    const due = liveStart + (i * 1000) / LIVE_PER_SECOND;
    if (due > Date.now()) await sleep(due - Date.now());
    await reply(service, agent, ticketId);
    committedAt.set(ticketId, Date.now());
  }
  const liveQueueMs = Date.now() - liveStart;
  await waitForSent(instance, sentAt, liveTickets, deadline, 'the live phase');

  // Phase 3, large: one reply with a 25 MB file, more than one sendMail request takes (4 MB).
  const largeTicket = tickets[n + live]!;
  log('relay: one reply with a 25 MB file');
  const file = Buffer.alloc(LARGE_FILE_BYTES, 0x42);
  const { upload } = await service.uploadAttachment(largeTicket, agent, { filename: 'site-survey.pdf', contentType: 'application/pdf', content: file });
  const largeCountersBefore = instance.clients.counters();
  const largeAddress = addresses[(n + live) % m]!;
  const largeSandboxBefore = await sandboxStats(sandbox, [largeAddress]);
  const largeStart = Date.now();
  await service.addComment(largeTicket, agent, { body: 'The site survey is attached.', visibility: 'public', attachmentIds: [upload.id] });
  committedAt.set(largeTicket, largeStart);
  await waitForSent(instance, sentAt, [largeTicket], deadline, 'the large reply');
  const largeMs = sentAt.get(largeTicket)! - largeStart;
  const largeRequests = instance.clients.counters().requests - largeCountersBefore.requests;
  // The PUTs to the upload URL leave without the Graph SDK (the URL carries its own authorization): the
  // sandbox counts them with the mailbox's requests.
  const largeMailboxRequests = (await sandboxStats(sandbox, [largeAddress])).requests - largeSandboxBefore.requests;
  await worker.stop();
  const livePhase: Phase = {
    notifications: live,
    queueMs: liveQueueMs,
    sendMs: Math.max(...liveTickets.map((t) => sentAt.get(t)!)) - liveStart,
    latencies: liveTickets.map((t) => sentAt.get(t)! - committedAt.get(t)!),
    httpRequests: instance.clients.counters().requests - liveCountersBefore.requests,
  };

  // Exactly once: every outbox row sent, each Message-ID accepted once, from its own mailbox, nothing else.
  log('relay: checking the sandbox sent logs against the outbox');
  const rows = (await Promise.all(tickets.map((t) => instance.store.outbox.listForTicket(t)))).flat();
  const largeRow = rows.find((r) => r.ticket_id === largeTicket);
  const logs = new Map<number, SentLogEntry[]>();
  for (const mailbox of mailboxes) logs.set(mailbox.id, await sandbox.control<SentLogEntry[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(mailbox.address)}/sent`));
  const check = checkExactlyOnce(rows, logs);
  const problems = [...check.problems];
  if (rows.length !== n + live + 1) problems.push(`${rows.length} outbox rows for ${n + live + 1} replies`);
  if (sentRows.length !== n + live + 1) problems.push(`onSent was called ${sentRows.length} times for ${n + live + 1} emails`);
  if (pacing.maxSubmittedPerMinute > PER_MINUTE) problems.push(`a mailbox had ${pacing.maxSubmittedPerMinute} emails accepted in one minute (Exchange allows ${PER_MINUTE})`);
  if (largeMailboxRequests - largeRequests < Math.ceil(LARGE_FILE_BYTES / (4 * 1024 * 1024))) problems.push(`the 25 MB reply made ${largeMailboxRequests - largeRequests} uploads: it cannot have gone through an upload session in 4 MB ranges`);
  if (new Set(sentRows.map((r) => r.id)).size !== sentRows.length) problems.push('onSent reported an outbox row more than once');

  const perNotification = (value: number) => value / n;
  const figures: Figure[] = [
    { name: 'notificationsPerSecond', label: 'Notifications per second', digits: 0, values: [n / (drain.sendMs / 1000)] },
    { name: 'graphRequestsPerNotification', label: 'Graph HTTP requests per notification', digits: 3, values: [perNotification(drain.httpRequests)] },
    { name: 'maxAcceptedPerMinutePerMailbox', label: `Most emails accepted from one mailbox in any minute (Exchange: ${PER_MINUTE})`, digits: 0, values: [pacing.maxSubmittedPerMinute] },
    { name: 'maxOutboxWaitMs', label: "Longest wait in Exchange's Outbox, ms", digits: 0, values: [pacing.maxOutboxWaitMs] },
    { name: 'largeMailGraphRequests', label: 'Graph HTTP requests for one 25 MB reply (besides its uploads)', digits: 0, values: [largeRequests] },
    { name: 'largeMailUploadRequests', label: 'Upload ranges (PUTs of at most 4 MB) for it', digits: 0, values: [largeMailboxRequests - largeRequests] },
    { name: 'largeMailSeconds', label: '25 MB reply: committed -> accepted, s', digits: 2, values: [largeMs / 1000] },
    { name: 'latencyMsP50', label: 'Latency p50, ms (backlog)', digits: 0, values: [percentile(drain.latencies, 50)] },
    { name: 'latencyMsP99', label: 'Latency p99, ms (backlog)', digits: 0, values: [percentile(drain.latencies, 99)] },
    { name: 'liveLatencyMsP50', label: `Latency p50, ms (${LIVE_PER_SECOND}/s live)`, digits: 0, values: [percentile(livePhase.latencies, 50)] },
    { name: 'liveLatencyMsP99', label: `Latency p99, ms (${LIVE_PER_SECOND}/s live)`, digits: 0, values: [percentile(livePhase.latencies, 99)] },
    { name: 'sentExactlyOnce', label: 'Emails in the sent log, each exactly once', digits: 0, values: [check.problems.length === 0 ? check.distinctSent : NaN] },
    { name: 'peakRssMb', label: 'Peak RSS, MB', digits: 1, values: [rss.peakRssMb] },
    { name: 'sendSeconds', label: 'Drain phase, s', digits: 2, values: [drain.sendMs / 1000] },
    { name: 'relaydeskCpuMsPerNotification', label: 'Relaydesk CPU ms per notification', digits: 2, values: [perNotification(relaydeskCpuMs)] },
    { name: 'sandboxCpuMsPerNotification', label: 'Sandbox CPU ms per notification', digits: 2, values: [perNotification(sandboxAfter.cpuMs - sandboxBefore.cpuMs)] },
  ];
  const notes = [
    `${n} public agent replies (TicketService.addComment: comment and outbox row in one transaction) on ${n} tickets of ${n} different requesters, round-robin over ${m} linked mailboxes; the tickets were made directly in the store (no acknowledgement queued, no inbound thread, so no In-Reply-To). Fresh SQLite store; the sandbox runs in a child process (pid ${sandbox.pid}).`,
    `Drain phase: all ${n} replies committed first (${secs(queueMs)} s, ${(n / (queueMs / 1000)).toFixed(0)}/s), then one RelayWorker with the server's settings (batch ${SETTINGS.batchSize}, poll ${SETTINGS.pollMs} ms, lease ${SETTINGS.leaseMs / 1000} s) and one Graph client and governor per mailbox (4 concurrent requests each) sent them.`,
    `Pacing: the relay leases no more of a mailbox's rows than Exchange's 30 a minute (and 10,000 recipients a day) have room for; the sandbox holds any excess in the Outbox as Exchange does. Per the sandbox's sent log, at most ${pacing.maxSubmittedPerMinute} emails were accepted and ${pacing.maxLeftPerMinute} left one mailbox in any rolling minute, and none waited in the Outbox longer than ${pacing.maxOutboxWaitMs} ms (its move from Drafts). ${Math.ceil(n / m)} emails a mailbox go in ${Math.ceil(Math.ceil(n / m) / PER_MINUTE)} minutes' worth of 30 (the relay counts its minute as 61 s), so the drain cannot end before ${Math.floor((Math.ceil(n / m) - 1) / PER_MINUTE) * 61} s: notifications per second measures the pace, not Relaydesk.`,
    'Notifications per second = emails / (relay start -> last email accepted by Graph). Graph HTTP requests = requests through MailboxClients.counters() during the drain (sendMail, plus any lookups and retries); 1.0 is the least possible.',
    `Large mail: one reply with a ${LARGE_FILE_BYTES / 1024 / 1024} MB file (TicketService.uploadAttachment, then addComment with it): looks for a copy of an earlier attempt (Sent Items, Outbox, Drafts), a draft from the MIME without the file, an upload session, the file in ${largeMailboxRequests - largeRequests} PUTs of at most 4 MB to the upload URL (through the mailbox's governor, not Graph: counted by the sandbox), and the draft's send: ${largeRequests} Graph requests plus the uploads, ${secs(largeMs)} s; outbox row ${largeRow?.state ?? 'missing'}.`,
    `Latency = reply committed -> Graph accepted its email (RelaySettings onSent). In the drain phase it includes waiting for the other ${n - 1} replies to be queued and the backlog ahead of it (at 30 a minute per mailbox); the live phase (${live} replies arriving at ${LIVE_PER_SECOND}/s while the relay runs, after the drain's minute has passed) shows what one agent sees: the relay wakes when a reply commits (its ${SETTINGS.pollMs} ms poll only finds what other instances queued), so this is mostly Graph's own answer time.`,
    `Exactly once: the sandbox's sent log (GET /sandbox/mailboxes/{address}/sent, every accepted sendMail) of each mailbox against the outbox rows: ${check.sentEntries} entries, ${check.distinctSent} distinct Message-IDs, ${check.duplicated} duplicated, ${check.missing} missing, ${check.unexpected} unexpected, rows not sent ${JSON.stringify(check.notSent)}.`,
    `Sandbox during the drain: ${stats.requests} Graph operations, ${stats.throttled429} answered 429, max ${stats.maxInFlight} in flight per mailbox, ${stats.earlyRequests} early requests. Graph requests by kind: ${describeCounts(diagnostics.graphKinds)}; identity requests: ${describeCounts(diagnostics.identityPaths) || 'none'}; TLS connections opened: ${diagnostics.tlsConnections}. Live phase: ${livePhase.httpRequests} Graph requests for ${live} emails.`,
    `1-minute load average at the start / end of the drain: ${loadAtStart.toFixed(2)} / ${(os.loadavg()[0] ?? NaN).toFixed(2)} on ${os.cpus().length} cores.`,
  ];
  return {
    scenario: 'relay',
    title: `relay: ${n} notifications, ${m} mailboxes, SQLite`,
    columns: ['Relaydesk'],
    figures,
    notes,
    problems,
    details: {
      notifications: n,
      mailboxes: m,
      settings: SETTINGS,
      drain: { ...summary(drain), relaydeskCpuMs, sandboxCpuMs: sandboxAfter.cpuMs - sandboxBefore.cpuMs, governorUnits: countersAfter.units - countersBefore.units, sandbox: stats, diagnostics, peakRssMb: rss.peakRssMb, rssSamples: rss.samples },
      live: { ...summary(livePhase), perSecond: LIVE_PER_SECOND },
      pacing,
      large: { bytes: LARGE_FILE_BYTES, graphRequests: largeRequests, uploadRequests: largeMailboxRequests - largeRequests, ms: largeMs },
      exactlyOnce: check,
    },
  };
}

/** From the sandbox's sent logs: the most emails accepted and sent by one mailbox in any minute, and the longest wait in the Outbox. */
async function pacingOf(sandbox: SandboxChild, addresses: string[]): Promise<{ maxSubmittedPerMinute: number; maxLeftPerMinute: number; maxOutboxWaitMs: number }> {
  let maxSubmittedPerMinute = 0;
  let maxLeftPerMinute = 0;
  let maxOutboxWaitMs = 0;
  for (const address of addresses) {
    const log = await sandbox.control<PacedLogEntry[]>('GET', `/sandbox/mailboxes/${encodeURIComponent(address)}/sent`);
    maxSubmittedPerMinute = Math.max(maxSubmittedPerMinute, maxInWindow(log.map((e) => Date.parse(e.submittedAt)), MINUTE_MS));
    const left = log.filter((e) => e.sentAt !== null);
    maxLeftPerMinute = Math.max(maxLeftPerMinute, maxInWindow(left.map((e) => Date.parse(e.sentAt!)), MINUTE_MS));
    for (const e of log) maxOutboxWaitMs = Math.max(maxOutboxWaitMs, (e.sentAt ? Date.parse(e.sentAt) : Date.now()) - Date.parse(e.submittedAt));
  }
  return { maxSubmittedPerMinute, maxLeftPerMinute, maxOutboxWaitMs };
}

/** N tickets of N different requesters, round-robin over the mailboxes, inserted directly: no email is queued. */
async function createTickets(instance: RelaydeskInstance, mailboxes: MailboxRow[], count: number, deadline: number): Promise<number[]> {
  const ids: number[] = [];
  const CHUNK = 250;
  for (let start = 0; start < count; start += CHUNK) {
    assertBefore(deadline, 'creating tickets');
    await instance.store.transaction(async (repos) => {
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        const requester = await repos.users.ensureByEmail(`customer-${i}@example.com`, `Customer ${i}`);
        const ticket = await repos.tickets.insert({ mailboxId: mailboxes[i % mailboxes.length]!.id, subject: `Order ${10_000 + i} arrived damaged`, status: 'open', requesterId: requester.id, referenceTag: newReferenceTag() });
        ids.push(ticket.id);
      }
    });
  }
  return ids;
}

function reply(service: TicketService, agent: UserRow, ticketId: number): Promise<unknown> {
  return service.addComment(ticketId, agent, { body: `Hello,\n\nwe are sending a replacement for your order today.\n\nBest regards,\nBench Agent`, visibility: 'public' });
}

/** Until every one of these tickets' emails was accepted; fails fast when a row failed or the deadline passed. */
async function waitForSent(instance: RelaydeskInstance, sentAt: ReadonlyMap<number, number>, tickets: readonly number[], deadline: number, phase: string): Promise<void> {
  let checks = 0;
  while (tickets.some((t) => !sentAt.has(t))) {
    assertBefore(deadline, phase);
    if (++checks % 50 === 0) {
      const counts = await instance.store.outbox.countByState();
      if (counts['failed']) throw new Error(`${counts['failed']} outbox rows failed during ${phase}: ${JSON.stringify(counts)}`);
    }
    await sleep(POLL_MS);
  }
}

function summary(phase: Phase): Record<string, number> {
  return {
    notifications: phase.notifications,
    queueMs: phase.queueMs,
    sendMs: phase.sendMs,
    httpRequests: phase.httpRequests,
    latencyMsP50: percentile(phase.latencies, 50),
    latencyMsP90: percentile(phase.latencies, 90),
    latencyMsP99: percentile(phase.latencies, 99),
    latencyMsMax: percentile(phase.latencies, 100),
  };
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(2);
}
