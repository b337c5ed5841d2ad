import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseLockError, holdDatabaseExclusively, holdDatabaseInUse } from '../../../server/store/database-lock';
import { Store } from '../../../server/store/store';

const ROOT = path.resolve(__dirname, '../../..');
// One process (not the tsx wrapper, whose child would outlive a SIGKILL of the wrapper).
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const CHILD = path.join(ROOT, 'test/support/hold-store-in-child.ts');

// A restore replaces the database file: it must refuse while any process has the database open (else that
// process writes into a file that is no longer the database), and a process that died must not leave the
// folder locked for good.

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-lock-'));
  file = path.join(dir, 'relaydesk.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof DatabaseLockError) return error.code;
    throw error;
  }
  return undefined;
}

/** A process with the store open, as a server has it; resolves once the store is open. */
async function holderProcess(): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD], { cwd: ROOT, env: { ...process.env, RELAYDESK_TEST_FILE: file } });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('open')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before opening the store`)));
  });
  return child;
}

it('refuses the exclusive lock while another process has the store open, and grants it once that process is killed', async () => {
  const child = await holderProcess();
  try {
    expect(codeOf(() => holdDatabaseExclusively(file))).toBe('in_use');
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  // No clean-up ran in the killed process: the operating system dropped its lock.
  const lock = holdDatabaseExclusively(file);
  lock.release();
}, 30_000);

it('refuses the exclusive lock while a store of this process is open, and grants it after close', async () => {
  const store = await Store.open({ kind: 'sqlite', file });
  expect(codeOf(() => holdDatabaseExclusively(file))).toBe('in_use');
  await store.close();
  holdDatabaseExclusively(file).release();
});

it('lets many users share the database, and keeps them out while a restore holds it', () => {
  const a = holdDatabaseInUse(file);
  const b = holdDatabaseInUse(file);
  a.release();
  b.release();
  const restoring = holdDatabaseExclusively(file);
  try {
    expect(codeOf(() => holdDatabaseInUse(file, 50))).toBe('restoring');
  } finally {
    restoring.release();
  }
  holdDatabaseInUse(file, 50).release();
});

it('makes the lock file owner-only', () => {
  holdDatabaseInUse(file).release();
  expect(fs.statSync(`${file}.lock`).mode & 0o777).toBe(0o600);
});
