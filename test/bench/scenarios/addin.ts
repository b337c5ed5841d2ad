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
 * The `addin` scenario: how heavy the task pane is, how fast it follows the selection, and how fast an agent's
 * action in the workspace comes back as done.
 *
 * - taskpaneInitialJsKbGzip: the scripts taskpane.html loads before any code runs (webpack's initial chunks of
 *   the production build, from build-info.json), gzip-compressed (zlib level 6, as servers send them), in KiB.
 *   msal-browser and the Mailboxes view are separate chunks that load after the first paint; their size is
 *   reported as jsBeforeFirstStatusKbGzip.
 * - statusVisibleMsP95: headless Chromium, the production bundle against the real server in sandbox mode, the
 *   fake Outlook host; from the moment ItemChanged fires to the first animation frame after the status view
 *   shows the new email's state (its ticket card, or why it has none): one lookup request (which brings the
 *   ticket and its CCs) and React's render. 95th percentile over SWITCHES switches between emails, after WARMUP unmeasured ones.
 * - actionRoundTripMsP95: the workspace of a ticket open in the same pane; from the agent's input (the change of
 *   the status select, the click on Send), taken in the page by a capture listener with performance.now(), to
 *   the first animation frame after the ticket view says the server has it: `ticket-view[data-sync="saved"]`
 *   with a higher data-version than before, and the new status (or the sent reply in the conversation).
 *   One write request with If-Match and React's render. 95th percentile over STATUS_CHANGES status changes
 *   and REPLIES replies, after ACTION_WARMUP unmeasured actions.
 */

const SWITCHES = 60;
const WARMUP = 5;
const STATUS_CHANGES = 20;
const REPLIES = 10;
const ACTION_WARMUP = 3;
export const TARGETS = { taskpaneInitialJsKbGzip: 200, statusVisibleMsP95: 100, actionRoundTripMsP95: 150 } as const;

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

/** What the ticket view must show for an action to count as done. */
interface ActionDone {
  /** data-version must be above this (the server answered with a new version). */
  aboveVersion: number;
  status?: string;
  /** A reply comment containing this text is in the conversation. */
  replyText?: string;
}

type ActionPage = {
  document: { querySelector(s: string): { getAttribute(n: string): string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>; body: unknown };
  addEventListener(type: string, cb: () => void, capture: boolean): void;
  removeEventListener(type: string, cb: () => void, capture: boolean): void;
  MutationObserver: new (cb: () => void) => { observe(t: unknown, o: object): void; disconnect(): void };
  requestAnimationFrame(cb: () => void): void;
  performance: { now(): number };
  CSS: { escape(s: string): string };
  __actionTimer?: Promise<number>;
};

/**
 * Arms the page: from now on the last click or change (capture phase, before the pane's own handlers) is the
 * start, and the first frame after the ticket view shows `done` is the end. `finishAction` awaits the result.
 */
async function armAction(pane: Page, done: ActionDone): Promise<void> {
  // `npm run bench` runs under tsx, whose esbuild keeps function names by wrapping named inner functions in
  // __name(...): the function below then runs in the page, where that helper does not exist. A string is not
  // transformed, so it defines a pass-through one first.
  await pane.evaluate('globalThis.__name = globalThis.__name || ((f) => f)');
  await pane.evaluate((expected) => {
    const g = globalThis as unknown as ActionPage;
    let started = Number.NaN;
    const input = (): void => {
      started = g.performance.now();
    };
    const isDone = (): boolean => {
      const view = g.document.querySelector(`[data-testid="ticket-view"][data-sync="saved"]`);
      if (!view || Number(view.getAttribute('data-version')) <= expected.aboveVersion) return false;
      if (expected.status !== undefined && !g.document.querySelector(`[data-testid="ticket-status"][data-status="${g.CSS.escape(expected.status)}"]`)) return false;
      if (expected.replyText !== undefined) {
        const replies = Array.from(g.document.querySelectorAll('[data-testid="comment"][data-kind="reply"]'));
        if (!replies.some((c) => (c.textContent ?? '').includes(expected.replyText ?? ''))) return false;
      }
      return true;
    };
    g.__actionTimer = new Promise<number>((resolve, reject) => {
      const cleanup = (): void => {
        observer.disconnect();
        clearTimeout(timer);
        g.removeEventListener('click', input, true);
        g.removeEventListener('change', input, true);
      };
      const observer = new g.MutationObserver(() => {
        if (Number.isNaN(started) || !isDone()) return;
        cleanup();
        g.requestAnimationFrame(() => resolve(g.performance.now() - started));
      });
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the ticket view did not show ${JSON.stringify(expected)} within 10 s`));
      }, 10_000);
      g.addEventListener('click', input, true);
      g.addEventListener('change', input, true);
      observer.observe(g.document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  }, done);
}

const finishAction = (pane: Page): Promise<number> => pane.evaluate(() => (globalThis as unknown as ActionPage).__actionTimer ?? Promise.reject(new Error('no action armed')));

const versionOf = async (pane: Page): Promise<number> => Number(await pane.getByTestId('ticket-view').getAttribute('data-version'));

/** Status changes and replies on the ticket open in the pane's workspace; resolves with the samples (ms) of each. */
async function timeActions(pane: Page, counts: { statuses: number; replies: number; warmup: number }): Promise<{ status: number[]; reply: number[] }> {
  const samples = { status: [] as number[], reply: [] as number[] };
  const statuses = ['open', 'pending'] as const;
  // Warm-up status changes first, then both kinds interleaved (two status changes, one reply), so neither
  // kind runs only on a warm or a cold pane.
  const plan: ('status' | 'reply')[] = Array.from({ length: counts.warmup }, () => 'status' as const);
  for (let s = counts.statuses, r = counts.replies; s > 0 || r > 0; ) {
    if (r > 0 && (s === 0 || plan.length % 3 === 2)) {
      plan.push('reply');
      r--;
    } else {
      plan.push('status');
      s--;
    }
  }
  for (const [i, kind] of plan.entries()) {
    await pane.locator('[data-testid="ticket-view"][data-sync="saved"]').waitFor();
    const version = await versionOf(pane);
    let ms: number;
    if (kind === 'status') {
      const current = await pane.getByTestId('status-select').inputValue();
      const next = current === statuses[0] ? statuses[1] : statuses[0];
      await armAction(pane, { aboveVersion: version, status: next });
      await pane.getByTestId('status-select').selectOption(next);
      ms = await finishAction(pane);
    } else {
      const text = `Bench reply ${i}: we are looking into it.`;
      await pane.getByTestId('composer-mode-reply').click();
      await pane.getByTestId('composer-body').fill(text);
      await armAction(pane, { aboveVersion: version, replyText: text });
      await pane.getByTestId('composer-send').click();
      ms = await finishAction(pane);
    }
    if (i >= counts.warmup) samples[kind].push(ms);
  }
  return samples;
}

/** Builds, starts the server, signs in in Chromium, and measures. Everything it starts is stopped before it returns. */
export async function runAddinScenario(options: { switches?: number; statusChanges?: number; replies?: number; log?: (line: string) => void } = {}): Promise<Record<string, number>> {
  const log = options.log ?? (() => undefined);
  const switches = options.switches ?? SWITCHES;
  const statusChanges = options.statusChanges ?? STATUS_CHANGES;
  const replies = options.replies ?? REPLIES;
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

    // The workspace of the first email's ticket (a question: it has a requester to reply to).
    await timeSwitch(pane, first.item, first.state);
    await pane.getByTestId('tab-status').click();
    await pane.locator('[data-testid="ticket-view"][data-sync="saved"]').waitFor({ timeout: 15_000 });
    log(`addin: ${ACTION_WARMUP} + ${statusChanges} status changes and ${replies} replies in the workspace`);
    const actions = await timeActions(pane, { statuses: statusChanges, replies, warmup: ACTION_WARMUP });
    const allActions = [...actions.status, ...actions.reply].sort((a, b) => a - b);
    actions.status.sort((a, b) => a - b);
    actions.reply.sort((a, b) => a - b);
    return {
      taskpaneInitialJsKbGzip: round(gzipKb(initial)),
      statusVisibleMsP95: round(percentile(samples, 0.95)),
      statusVisibleMsP50: round(percentile(samples, 0.5)),
      statusVisibleMsMax: round(samples[samples.length - 1] ?? Number.NaN),
      actionRoundTripMsP95: round(percentile(allActions, 0.95)),
      actionRoundTripMsP50: round(percentile(allActions, 0.5)),
      statusChangeMsP95: round(percentile(actions.status, 0.95)),
      replyMsP95: round(percentile(actions.reply, 0.95)),
      actions: allActions.length,
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
  description: 'Outlook task pane: initial JS (KiB gzip), ItemChanged-to-status p95 and workspace action round trip p95 in headless Chromium against the sandbox',
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
        { name: 'actionRoundTripMsP95', label: 'Workspace action (status, reply) to saved, p95 ms', digits: 1, values: [figures['actionRoundTripMsP95'] ?? Number.NaN], target: { kind: 'max', value: TARGETS.actionRoundTripMsP95 } },
        { name: 'actionRoundTripMsP50', label: 'Workspace action (status, reply) to saved, p50 ms', digits: 1, values: [figures['actionRoundTripMsP50'] ?? Number.NaN] },
        { name: 'jsBeforeFirstStatusKbGzip', label: 'JS loaded before the first status (with MSAL), KiB gzip', digits: 1, values: [figures['jsBeforeFirstStatusKbGzip'] ?? Number.NaN] },
      ],
      notes: [
        `${figures['switches']} switches between 4 emails after ${WARMUP} warm-up ones; production bundle built in ${figures['buildSeconds']} s.`,
        `${figures['actions']} workspace actions after ${ACTION_WARMUP} warm-up ones: status change p95 ${figures['statusChangeMsP95']} ms, reply p95 ${figures['replyMsP95']} ms.`,
      ],
      problems: [],
      details: figures,
    };
  },
};
