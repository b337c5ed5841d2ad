import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../server-process';

/** What an operator's CLI (server/cli/*.ts) answered: its exit code, its JSON output parsed, its error code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (the CLIs print one JSON value), undefined when it is not. */
  json: unknown;
  /** The `error.code` a failing CLI prints on stderr. */
  errorCode: string | undefined;
}

const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs `server/cli/<name>.ts` as `npm run <name>` does, in `cwd`, with exactly `env` (plus PATH and HOME). */
export function runCli(name: string, args: readonly string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'server/cli', `${name}.ts`), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, json: parse(stdout), errorCode: errorCodeOf(stderr) }));
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCodeOf(stderr: string): string | undefined {
  for (const line of stderr.split('\n').reverse()) {
    const value = parse(line) as { error?: { code?: unknown } } | undefined;
    if (typeof value?.error?.code === 'string') return value.error.code;
  }
  return undefined;
}
