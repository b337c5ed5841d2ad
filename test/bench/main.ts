import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cleanup } from './harness';
import { formatReport, reportJson, type ScenarioReport } from './report';
import { SCENARIOS } from './scenarios';
import { DEFAULT_DURATION_MS, DEFAULT_TICKETS } from './scenarios/api';
import type { Scenario } from './scenarios/scenario';

/**
 * `npm run bench -- [--scenario ingest|all] [--messages N] [--mailboxes M] [--json FILE] [--timeout S] [--graph-latency-ms N] [--tickets N] [--duration-ms N]`:
 * runs the scenarios against the sandbox on loopback, prints a table per scenario and writes the JSON.
 * Exits non-zero on an error or a correctness problem (lost or duplicated mail); a missed target is only
 * reported.
 */

const DEFAULTS = { messages: 5000, mailboxes: 10, timeoutSeconds: 900, seed: 1000 };
/** Upper bounds that keep a mistyped argument from running for hours or exhausting memory. */
const MAX_MESSAGES = 200_000;
const MAX_MAILBOXES = 200;
const MAX_TICKETS = 1_000_000;
const MAX_DURATION_MS = 600_000;

interface Options {
  scenarios: Scenario[];
  /** Undefined: each scenario's own default (Scenario.defaultMessages), else DEFAULTS.messages. */
  messages: number | undefined;
  mailboxes: number;
  json: string | undefined;
  timeoutSeconds: number;
  seed: number;
  graphLatencyMs: number;
  /** Undefined: the scenario's default (api). */
  tickets: number | undefined;
  durationMs: number | undefined;
}

function usage(): string {
  return [
    'Usage: npm run bench -- [options]',
    `  --scenario NAME   ${SCENARIOS.map((s) => s.name).join(' | ')} | all (default all)`,
    `  --messages N      messages per scenario (default ${DEFAULTS.messages}; ${SCENARIOS.filter((s) => s.defaultMessages).map((s) => `${s.name}: ${s.defaultMessages}`).join(', ')})`,
    `  --mailboxes M     linked mailboxes (default ${DEFAULTS.mailboxes})`,
    '  --json FILE       also write the results as JSON',
    `  --timeout S       give up after S seconds (default ${DEFAULTS.timeoutSeconds})`,
    `  --seed N          seed of the demo mail (default ${DEFAULTS.seed})`,
    '  --graph-latency-ms N  ingest: the sandbox adds N ms to every Graph request while the mail is read (default 0)',
    `  --tickets N       api: tickets in the database (default ${DEFAULT_TICKETS})`,
    `  --duration-ms N   api: how long each endpoint is measured (default ${DEFAULT_DURATION_MS})`,
    ...SCENARIOS.map((s) => `Scenario ${s.name}: ${s.description}`),
  ].join('\n');
}

function integer(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  // 0, NaN or a fraction must not silently become a different benchmark.
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1 || value > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, got '${raw}'`);
  return value;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      messages: { type: 'string' },
      mailboxes: { type: 'string' },
      json: { type: 'string' },
      timeout: { type: 'string' },
      seed: { type: 'string' },
      'graph-latency-ms': { type: 'string' },
      tickets: { type: 'string' },
      'duration-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const name = values.scenario ?? 'all';
  const scenarios = name === 'all' ? [...SCENARIOS] : SCENARIOS.filter((s) => s.name === name);
  if (scenarios.length === 0) throw new UsageError(`unknown scenario '${name}' (known: ${SCENARIOS.map((s) => s.name).join(', ')}, all)`);
  const options: Options = {
    scenarios,
    messages: values.messages === undefined ? undefined : integer('messages', values.messages, DEFAULTS.messages, MAX_MESSAGES),
    mailboxes: integer('mailboxes', values.mailboxes, DEFAULTS.mailboxes, MAX_MAILBOXES),
    json: values.json,
    timeoutSeconds: integer('timeout', values.timeout, DEFAULTS.timeoutSeconds, 24 * 3600),
    seed: integer('seed', values.seed, DEFAULTS.seed, 2 ** 31 - 1),
    // 0 (no added latency) is the default, so only a positive value is accepted explicitly.
    graphLatencyMs: integer('graph-latency-ms', values['graph-latency-ms'], 0, 10_000),
    tickets: values.tickets === undefined ? undefined : integer('tickets', values.tickets, DEFAULT_TICKETS, MAX_TICKETS),
    durationMs: values['duration-ms'] === undefined ? undefined : integer('duration-ms', values['duration-ms'], DEFAULT_DURATION_MS, MAX_DURATION_MS),
  };
  if (options.messages !== undefined && options.messages < options.mailboxes) throw new UsageError('--messages must be at least --mailboxes');
  return options;
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }

  const started = new Date();
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(1)}s] ${line}\n`);
  const reports: ScenarioReport[] = [];
  const errors: string[] = [];
  const cleanup = new Cleanup();
  // Ctrl-C: clean up (stop the sandbox child, remove temp folders) before exiting.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  for (const scenario of options.scenarios) {
    try {
      const messages = Math.max(options.mailboxes, options.messages ?? scenario.defaultMessages ?? DEFAULTS.messages);
      const report = await scenario.run({ messages, mailboxes: options.mailboxes, deadline, seed: options.seed, graphLatencyMs: options.graphLatencyMs, tickets: options.tickets, durationMs: options.durationMs, log }, cleanup);
      reports.push(report);
      process.stdout.write(`\n${formatReport(report)}\n`);
    } catch (error) {
      errors.push(`${scenario.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.stderr.write(`scenario ${scenario.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    } finally {
      for (const failure of await cleanup.runAll()) process.stderr.write(`cleanup: ${failure}\n`);
    }
  }

  if (options.json) {
    const json = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { node: process.version, platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryMb: Math.round(os.totalmem() / 1024 / 1024) },
      options: { scenarios: options.scenarios.map((s) => s.name), messages: options.messages ?? 'scenario default', mailboxes: options.mailboxes, seed: options.seed, timeoutSeconds: options.timeoutSeconds, graphLatencyMs: options.graphLatencyMs, tickets: options.tickets ?? 'scenario default', durationMs: options.durationMs ?? 'scenario default' },
      scenarios: Object.fromEntries(reports.map((r) => [r.scenario, reportJson(r)])),
      errors,
    };
    fs.mkdirSync(path.dirname(path.resolve(options.json)), { recursive: true });
    fs.writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${options.json}`);
  }
  const problems = reports.flatMap((r) => r.problems);
  return errors.length > 0 || problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Nothing the benchmark started may keep the process alive (a stray timer, a keep-alive socket).
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
