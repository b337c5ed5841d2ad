import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../support/browser/chromium';
import {
  buildAddin,
  DEMO_ADMIN,
  initialScripts,
  installFakeOutlook,
  paneUrl,
  signInFromPane,
  startPaneServer,
  statusShows,
  SUPPORT,
  type FakeItem,
  type FakeOutlookControl,
} from '../../e2e/addin/harness';
import type { Cleanup } from '../harness';
import type { ScenarioReport } from '../report';
import type { Scenario, ScenarioOptions } from './scenario';

/**
 * The `addin` scenario (issue 7): how heavy the task pane is and how fast it follows the selection.
 *
 * - taskpaneInitialJsKbGzip: the scripts taskpane.html loads before any code runs (webpack's initial chunks of
 *   the production build, from build-info.json), gzip-compressed (zlib level 6, as servers send them), in KiB.
 *   msal-browser and the Mailboxes view are separate chunks that load after the first paint; their size is
 *   reported as jsBeforeFirstStatusKbGzip.
 * - statusVisibleMsP95: headless Chromium, the production bundle against the real server in sandbox mode, the
 *   fake Outlook host; from the moment ItemChanged fires to the first animation frame after the status view
 *   shows the new email's state (its ticket card, or why it has none): one lookup request (which brings the
 *   ticket and its CCs) and React's render. 95th percentile over SWITCHES switches between emails, after WARMUP unmeasured ones.
 */

const SWITCHES = 60;
const WARMUP = 5;
export const TARGETS = { taskpaneInitialJsKbGzip: 200, statusVisibleMsP95: 300 } as const;

type PageGlobal = { __fakeOutlook: FakeOutlookControl };

const gzipKb = (files: string[]): number => files.reduce((sum, f) => sum + gzipSync(fs.readFileSync(f)).length, 0) / 1024;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/** One ItemChanged, timed in the page: from the event to the frame after the status shows `state` for the item. */
function timeSwitch(pane: Page, item: FakeItem, state: string): Promise<number> {
  return pane.evaluate(
    ({ item: next, state: expected }) =>
      new Promise<number>((resolve, reject) => {
        // Runs in the page; the Node program has no DOM types, hence the narrow casts.
        const g = globalThis as unknown as PageGlobal & {
          document: { querySelector(s: string): unknown; body: unknown };
          MutationObserver: new (cb: () => void) => { observe(t: unknown, o: object): void; disconnect(): void };
          requestAnimationFrame(cb: () => void): void;
          performance: { now(): number };
          CSS: { escape(s: string): string };
        };
        const selector = `[data-testid="status"][data-state="${expected}"][data-message-id="${g.CSS.escape(next.internetMessageId)}"]`;
        let started = 0;
        const observer = new g.MutationObserver(() => {
          if (!g.document.querySelector(selector)) return;
          observer.disconnect();
          clearTimeout(timer);
          g.requestAnimationFrame(() => resolve(g.performance.now() - started));
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`status ${expected} for ${next.internetMessageId} not shown within 10 s`));
        }, 10_000);
        observer.observe(g.document.body, { subtree: true, childList: true, attributes: true });
        started = g.__fakeOutlook.select(next);
      }),
    { item, state },
  );
}

/** Builds, starts the server, signs in in Chromium, and measures. Everything it starts is stopped before it returns. */
export async function runAddinScenario(options: { switches?: number; log?: (line: string) => void } = {}): Promise<Record<string, number>> {
  const log = options.log ?? (() => undefined);
  const switches = options.switches ?? SWITCHES;
  const distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-addin-'));
  const stops: (() => Promise<void>)[] = [async () => fs.rmSync(distDir, { recursive: true, force: true })];
  try {
    log('addin: building the task pane (production)');
    const built = Date.now();
    await buildAddin(distDir);
    const buildSeconds = (Date.now() - built) / 1000;
    const initial = initialScripts(distDir);
    const chunks = fs.readdirSync(distDir).filter((f) => /^(auth|msal)\.[0-9a-f]{10}\.js$/.test(f)).map((f) => path.join(distDir, f));

    log('addin: starting the server in sandbox mode and ingesting mail');
    const server = await startPaneServer(distDir);
    stops.unshift(() => server.close());
    await server.linkMailbox(SUPPORT);
    const items: { item: FakeItem; state: string }[] = [];
    for (const kind of ['question', 'cc', 'auto-reply', 'question'] as const) {
      items.push({ item: await server.deliver(SUPPORT, kind), state: kind === 'auto-reply' ? 'no_ticket' : 'ticket' });
    }
    await server.sync(SUPPORT);

    log('addin: signing in in Chromium');
    const browser = await launchChromium({ trustSpkiSha256: [server.sandbox.caSpkiSha256], artifactsSubdir: 'bench-addin', viewport: { width: 420, height: 760 } });
    stops.unshift(() => browser.close());
    await installFakeOutlook(browser.context);
    const pane = await browser.context.newPage();
    const first = items[0] as { item: FakeItem; state: string };
    await pane.goto(paneUrl(server.origin, { user: DEMO_ADMIN, item: first.item }));
    await statusShows(pane, 'sign_in_needed');
    await signInFromPane(browser.context, pane, DEMO_ADMIN);
    await statusShows(pane, 'ticket', first.item.internetMessageId);

    log(`addin: ${WARMUP} + ${switches} ItemChanged switches`);
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + switches; i++) {
      const next = items[(i + 1) % items.length] as { item: FakeItem; state: string };
      const ms = await timeSwitch(pane, next.item, next.state);
      if (i >= WARMUP) samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    return {
      taskpaneInitialJsKbGzip: round(gzipKb(initial)),
      statusVisibleMsP95: round(percentile(samples, 0.95)),
      statusVisibleMsP50: round(percentile(samples, 0.5)),
      statusVisibleMsMax: round(samples[samples.length - 1] ?? Number.NaN),
      jsBeforeFirstStatusKbGzip: round(gzipKb([...initial, ...chunks])),
      switches: samples.length,
      buildSeconds: round(buildSeconds),
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** The scenario as `npm run bench` lists it (test/bench/scenarios/index.ts). */
export const addinScenario: Scenario = {
  name: 'addin',
  description: 'Outlook task pane: initial JS (KiB gzip) and ItemChanged-to-status p95 in headless Chromium against the sandbox',
  async run(options: ScenarioOptions, cleanup: Cleanup): Promise<ScenarioReport> {
    void cleanup; // runAddinScenario stops everything it starts itself.
    const figures = await runAddinScenario({ log: options.log });
    return {
      scenario: 'addin',
      title: 'Outlook add-in task pane',
      columns: ['Relaydesk'],
      figures: [
        { name: 'taskpaneInitialJsKbGzip', label: 'Initial JS of the task pane, KiB gzip', digits: 1, values: [figures['taskpaneInitialJsKbGzip'] ?? Number.NaN], target: { kind: 'max', value: TARGETS.taskpaneInitialJsKbGzip } },
        { name: 'statusVisibleMsP95', label: 'ItemChanged to status visible, p95 ms', digits: 1, values: [figures['statusVisibleMsP95'] ?? Number.NaN], target: { kind: 'max', value: TARGETS.statusVisibleMsP95 } },
        { name: 'statusVisibleMsP50', label: 'ItemChanged to status visible, p50 ms', digits: 1, values: [figures['statusVisibleMsP50'] ?? Number.NaN] },
        { name: 'jsBeforeFirstStatusKbGzip', label: 'JS loaded before the first status (with MSAL), KiB gzip', digits: 1, values: [figures['jsBeforeFirstStatusKbGzip'] ?? Number.NaN] },
      ],
      notes: [`${figures['switches']} switches between 4 emails after ${WARMUP} warm-up ones; production bundle built in ${figures['buildSeconds']} s.`],
      problems: [],
      details: figures,
    };
  },
};
