#!/usr/bin/env node
/**
 * Starts the compiled server (dist/server/main.js, from `npm run build`) once, as a service manager would,
 * and checks what it relies on: GET /readyz answers 200 within the deadline, the built add-in is served, the
 * parse workers start, and SIGTERM stops the process with exit code 0.
 *
 *   node scripts/check-compiled-start.js [--deadline-ms 60000]
 *
 * Sandbox mode (no Microsoft app), a fresh data folder, free ports. The child gets a minimal environment and
 * runs in the data folder: no NODE_OPTIONS (so no tsx loader), no .env from the repository, no DATABASE_URL
 * or Microsoft app from the caller's shell. Exit code 0 when every check passed; on failure the server's
 * output is printed and its data folder kept.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'server', 'main.js');
const ADDIN_DIR = path.join(ROOT, 'dist', 'addin');
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Past the server's own shutdown timeout: closing the pool and the database takes a moment more. */
const EXIT_GRACE_MS = SHUTDOWN_TIMEOUT_MS + 5_000;
const POLL_MS = 250;
const WORKERS_READY = 'parse workers ready: syncing mailboxes';

class CheckFailure extends Error {}

function deadlineMs() {
  const i = process.argv.indexOf('--deadline-ms');
  const value = i >= 0 ? Number(process.argv[i + 1]) : 60_000;
  if (!Number.isInteger(value) || value <= 0) throw new CheckFailure('--deadline-ms must be a positive whole number of milliseconds');
  return value;
}

/** A port nothing listens on right now (the kernel's pick; released before the server binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET over HTTPS, trusting only the sandbox's CA, as a browser that trusts it would. */
function get(port, urlPath, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: urlPath, servername: 'localhost', ca, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}

async function main() {
  const deadline = Date.now() + deadlineMs();
  if (!fs.existsSync(MAIN)) throw new CheckFailure(`${path.relative(ROOT, MAIN)} is missing: run \`npm run build\` first`);
  if (!fs.existsSync(path.join(ADDIN_DIR, 'build-info.json'))) throw new CheckFailure(`${path.relative(ROOT, ADDIN_DIR)} is not built: run \`npm run build\` first`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-compiled-start-'));
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADDIN_DIR,
    SANDBOX_DEMO_MAIL: 'off',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  };
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  let workersReady = false;
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  let partial = '';
  child.stdout.on('data', (chunk) => {
    const text = chunk.toString();
    output.push(text);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        if (JSON.parse(line).msg === WORKERS_READY) workersReady = true;
      } catch {
        // Not a log line (a stack trace): the output printed on failure shows it.
      }
    }
  });

  const fail = async (message) => {
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
    process.stderr.write(`--- server output (data folder kept: ${dataDir}) ---\n${output.join('').slice(-8_000)}\n---\n`);
    throw new CheckFailure(message);
  };
  const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

  // Ready: /readyz 200. The CA appears once the sandbox has started; until the server listens, connections fail.
  const caFile = path.join(dataDir, 'sandbox-ca', 'ca.pem');
  let lastProblem = 'not listening yet';
  for (;;) {
    if (exited) return fail(`the server exited before it was ready (code ${exited.code}, signal ${exited.signal})`);
    if (Date.now() > deadline) return fail(`GET /readyz did not answer 200 in time (last: ${lastProblem})`);
    if (fs.existsSync(caFile)) {
      try {
        const status = await get(port, '/readyz', fs.readFileSync(caFile, 'utf8'));
        if (status === 200) break;
        lastProblem = `status ${status}`;
      } catch (error) {
        lastProblem = error.message;
      }
    }
    await sleep(POLL_MS);
  }
  process.stdout.write(`compiled start: GET /readyz answered 200 after ${seconds(started)}\n`);

  const ca = fs.readFileSync(caFile, 'utf8');
  const pane = await get(port, '/addin/taskpane.html', ca).catch((error) => error.message);
  if (pane !== 200) return fail(`GET /addin/taskpane.html answered ${pane}, not 200: the built add-in is not served`);
  process.stdout.write('compiled start: GET /addin/taskpane.html answered 200\n');

  while (!workersReady) {
    if (exited) return fail(`the server exited after it was ready (code ${exited.code}, signal ${exited.signal})`);
    if (Date.now() > deadline) return fail(`the server never logged "${WORKERS_READY}": its compiled parse worker did not start`);
    await sleep(POLL_MS);
  }
  process.stdout.write('compiled start: parse workers started\n');

  const stopping = Date.now();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
  const { code, signal } = await exit;
  clearTimeout(timer);
  if (signal === 'SIGKILL') return fail(`SIGTERM did not stop the server within ${EXIT_GRACE_MS / 1000} s`);
  if (code !== 0) return fail(`after SIGTERM the server exited with code ${code}${signal ? ` (signal ${signal})` : ''}, not 0`);
  process.stdout.write(`compiled start: SIGTERM stopped it with exit code 0 after ${seconds(stopping)}\n`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error) => {
  process.stderr.write(`compiled start: FAILED: ${error instanceof CheckFailure ? error.message : (error.stack ?? String(error))}\n`);
  process.exitCode = 1;
});
