import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SandboxOptions } from '../../../server/sandbox';
import { startTestSandbox, type TestSandbox } from '../sandbox';
import { freePort, newSecretKey, ServerFleet, type RelaydeskServerOptions } from './relaydesk-server';

/**
 * What a test file of real server processes shares: a sandbox in the test process (so the mail outlives
 * every server crash), a work folder, and the fleet of server children. Started before the file's tests;
 * afterwards every child is killed and everything removed, even when a test was cut short.
 */
export interface ProcessTestBed {
  readonly sandbox: TestSandbox;
  readonly workDir: string;
  readonly fleet: ServerFleet;
  /** Options for a server on this bed (data in `workDir/data`, a free port, a new secret key); `name` per start. */
  serverOptions(extra?: Partial<RelaydeskServerOptions>): Promise<Omit<RelaydeskServerOptions, 'name'>>;
}

/** `sandboxOptions`: for a file about the sandbox's sending behaviour (its delays, its limits). */
export function processTestBed(workDirPrefix: string, sandboxOptions: Omit<Partial<SandboxOptions>, 'dataDir'> = {}): ProcessTestBed {
  const fleet = new ServerFleet();
  let sandbox: TestSandbox | undefined;
  let workDir: string | undefined;
  beforeAll(async () => {
    sandbox = await startTestSandbox(sandboxOptions);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), workDirPrefix));
  });
  afterAll(async () => {
    await fleet.killAll();
    await sandbox?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the process test bed starts in beforeAll');
    return value;
  };
  return {
    fleet,
    serverOptions: async (extra = {}) => ({
      sandbox: started(sandbox).sandbox,
      port: await freePort(),
      dataDir: path.join(started(workDir), 'data'),
      cwd: started(workDir),
      secretKey: newSecretKey(),
      ...extra,
    }),
    get sandbox() {
      return started(sandbox);
    },
    get workDir() {
      return started(workDir);
    },
  };
}
