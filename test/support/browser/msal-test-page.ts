import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { MsalTestPageConfig } from './msal-page/app';

export type { MsalTestPageConfig, MsalTestPageError, MsalTestPageResult, TokenView } from './msal-page/app';

/**
 * A minimal single-page app that signs in with @azure/msal-browser, for browser tests against the sandbox.
 * At start it bundles ./msal-page/app.ts and ./msal-page/redirect.ts with esbuild into a temporary folder and
 * serves them over http://localhost:<random port> (localhost is a secure context, so WebCrypto and PKCE work):
 *
 * - `/`: the app. `#login-hint` (optional), `#sign-in` (loginPopup, then acquireTokenSilent twice, the second
 *   with forceRefresh), `#status` (loading / ready / working / signed-in / error), `#username`, `#claims`,
 *   and the whole outcome as JSON in `#result` (MsalTestPageResult) or `#error` (MsalTestPageError).
 * - `/redirect.html`: the redirect URI, which runs msal-browser's redirect bridge.
 */

export interface MsalTestPageOptions {
  clientId: string;
  /** e.g. the sandbox's `https://localhost:PORT/{tenantId}/`. */
  authority: string;
  /** host:port of the authority (without it MSAL calls Microsoft's instance discovery). */
  knownAuthorities: string[];
  scopes: string[];
}

export interface MsalTestPage {
  /** http://localhost:PORT */
  origin: string;
  /** The app page. */
  url: string;
  redirectUri: string;
  /** `METHOD path` of every request the page server answered, in order. */
  requests: string[];
  close(): Promise<void>;
}

const ENTRIES = { app: path.join(__dirname, 'msal-page', 'app.ts'), redirect: path.join(__dirname, 'msal-page', 'redirect.ts') };

/** Bundles the page's scripts into `outdir` (app.js, redirect.js and their source maps). */
export async function bundleMsalTestPage(outdir: string): Promise<void> {
  await build({
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
}

export async function startMsalTestPage(options: MsalTestPageOptions): Promise<MsalTestPage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-msal-page-'));
  try {
    await bundleMsalTestPage(dir);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const requests: string[] = [];
  let config: MsalTestPageConfig | undefined;
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push(`${req.method ?? 'GET'} ${pathname}`);
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed');
    if (pathname === '/' || pathname === '/index.html') return send(200, 'text/html; charset=utf-8', appHtml(config as MsalTestPageConfig));
    if (pathname === '/redirect.html') return send(200, 'text/html; charset=utf-8', REDIRECT_HTML);
    if (pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    const file = /^\/(app|redirect)\.js(\.map)?$/.exec(pathname);
    if (file) return send(200, file[2] ? 'application/json' : 'text/javascript; charset=utf-8', fs.readFileSync(path.join(dir, pathname.slice(1))));
    return send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${origin}/redirect.html`;
  config = { clientId: options.clientId, authority: options.authority, knownAuthorities: options.knownAuthorities, redirectUri, scopes: options.scopes };

  let closing: Promise<void> | undefined;
  return {
    origin,
    url: `${origin}/`,
    redirectUri,
    requests,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
      return closing;
    },
  };
}

function appHtml(config: MsalTestPageConfig): string {
  // JSON inside <script>: escape `<` so no value can close the element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Relaydesk MSAL test page</title>
  <style>body { font-family: system-ui, sans-serif; margin: 24px; } pre { white-space: pre-wrap; word-break: break-all; font-size: 12px; }</style>
  <script id="msal-config" type="application/json">${json}</script>
  <script type="module" src="/app.js"></script>
</head>
<body>
  <h1>MSAL test page</h1>
  <p><label>Login hint <input id="login-hint" type="text" autocomplete="off"></label>
     <button id="sign-in" type="button">Sign in</button></p>
  <p>Status: <strong id="status">loading</strong></p>
  <p>Signed in as: <strong id="username"></strong></p>
  <h2>Access token claims</h2>
  <pre id="claims"></pre>
  <pre id="error"></pre>
  <pre id="result" hidden></pre>
</body>
</html>`;
}

const REDIRECT_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Signing in...</title><script type="module" src="/redirect.js"></script></head>
<body><p>Completing sign-in...</p></body>
</html>`;
