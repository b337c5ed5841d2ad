import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(__dirname, '../..');
// `--import tsx` would resolve tsx from the working directory, which a test sets elsewhere.
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Variables of the developer's shell that would change what the server does; a test sets its own. */
const SCRUBBED = /^(PORT|HOST|DATA_DIR|DATABASE_URL|LOG_LEVEL|AUTH_|MICROSOFT_|SANDBOX_|RELAYDESK_)/;

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the first JSON log line that satisfies `match`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Starts `server/main.ts` the way `npm start` does, in `cwd`, with a clean environment plus `env`. */
export function startServerProcess(cwd: string, env: Record<string, string>): ServerProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.test(k)));
  // One process, as `npm start` runs it (`node --import tsx`), so signals reach the server itself.
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'server/main.ts')], { cwd, env: { ...base, ...env } });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  const parsedLines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });

  return {
    child,
    exited,
    output: () => out,
    waitForLog: (match, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = parsedLines().find(match);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for a log line; output so far:\n${out}`)), timeoutMs);
        waiters.push(check);
        void exited.then(() => {
          clearTimeout(timer);
          check();
          reject(new Error(`Server exited before the expected log line; output:\n${out}`));
        });
        check();
      }),
  };
}
