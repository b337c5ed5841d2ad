import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Headless Chromium for browser tests: the Debian build at /usr/bin/chromium driven by playwright-core (never
 * `npx playwright install`), a fresh profile per launch, screenshots in test-artifacts/ (git-ignored), and a
 * log of every page's console messages, page errors and failed requests to explain a failure.
 *
 * HTTPS from a local CA (the Exchange Online sandbox): pass the CA's base64 SHA-256 SPKI hash in
 * `trustSpkiSha256`. Chromium then accepts any chain that contains that key
 * (`--ignore-certificate-errors-spki-list`, honoured because the profile is an explicit user data dir) and
 * still rejects every other certificate error, unlike `ignoreHTTPSErrors`.
 */

/** test-artifacts/ at the repository root (git-ignored). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', '..', 'test-artifacts');

/** Quiet, deterministic headless Chromium: no GPU, no QUIC, no background or first-run traffic. */
export const DEFAULT_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchChromiumOptions {
  /** Base64 SHA-256 SPKI hashes to trust (e.g. the sandbox's `caSpkiSha256`). */
  trustSpkiSha256?: string[];
  /** Extra command-line switches, after the defaults. */
  args?: string[];
  /** Default 1280x800; `null` uses the window size. */
  viewport?: { width: number; height: number } | null;
  /** Default: $CHROMIUM_PATH, else /usr/bin/chromium. */
  executablePath?: string;
  /** Screenshots go to test-artifacts/<artifactsSubdir>/. Default 'browser'. */
  artifactsSubdir?: string;
  /** Playwright's timeout for actions and navigations (ms). Default 10 s. */
  timeoutMs?: number;
}

export interface ChromiumSession {
  context: BrowserContext;
  userDataDir: string;
  artifactsDir: string;
  /** `[page url] console.type: text`, `pageerror`, `requestfailed` lines from every page, in order. */
  log: string[];
  /** The first tab of the profile (a persistent context opens with one). */
  page(): Promise<Page>;
  /** Saves a full-page PNG as test-artifacts/<subdir>/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Closes Chromium and deletes the profile. Safe to call twice. */
  close(): Promise<void>;
}

export function chromiumExecutablePath(explicit?: string): string {
  const candidate = explicit ?? process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
  } catch {
    throw new Error(`Chromium not found at ${candidate}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH (never \`npx playwright install\`)`);
  }
  return candidate;
}

export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<ChromiumSession> {
  const executablePath = chromiumExecutablePath(options.executablePath);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-chromium-'));
  const args = [...DEFAULT_CHROMIUM_ARGS];
  const spki = (options.trustSpkiSha256 ?? []).filter((h) => h.length > 0);
  if (spki.length > 0) args.push(`--ignore-certificate-errors-spki-list=${spki.join(',')}`);
  args.push(...(options.args ?? []));

  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args,
      viewport: options.viewport === undefined ? { width: 1280, height: 800 } : options.viewport,
    });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  context.setDefaultTimeout(options.timeoutMs ?? 10_000);

  const log: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (msg) => log.push(`[${page.url()}] console.${msg.type()}: ${msg.text()}`));
    page.on('pageerror', (err) => log.push(`[${page.url()}] pageerror: ${err.message}`));
    page.on('requestfailed', (req) => log.push(`[${page.url()}] requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);

  const artifactsDir = path.join(ARTIFACTS_DIR, options.artifactsSubdir ?? 'browser');
  let closing: Promise<void> | undefined;
  return {
    context,
    userDataDir,
    artifactsDir,
    log,
    page: async () => context.pages()[0] ?? context.newPage(),
    screenshot: async (page, name) => {
      fs.mkdirSync(artifactsDir, { recursive: true });
      const file = path.join(artifactsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => {
      closing ??= (async () => {
        try {
          await context.close();
        } finally {
          fs.rmSync(userDataDir, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}
