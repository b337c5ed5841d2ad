import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from '../sandbox';
import { ServerFleet } from './relaydesk-server';

/**
 * What a test file of real server processes shares: a sandbox in the test process (so the mail outlives
 * every server crash), a work folder, and the fleet of server children. Started before the file's tests;
 * afterwards every child is killed and everything removed, even when a test was cut short.
 */
export interface ProcessTestBed {
  readonly sandbox: TestSandbox;
  readonly workDir: string;
  readonly fleet: ServerFleet;
}

export function processTestBed(workDirPrefix: string): ProcessTestBed {
  const fleet = new ServerFleet();
  let sandbox: TestSandbox | undefined;
  let workDir: string | undefined;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
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
    get sandbox() {
      return started(sandbox);
    },
    get workDir() {
      return started(workDir);
    },
  };
}
