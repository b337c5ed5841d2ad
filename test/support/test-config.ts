import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../server/config';
import { generateVaultKeyText } from '../../server/identity/token-vault';

/**
 * A configuration for a Relaydesk built in the test process (createRelaydesk), parsed by the server's own
 * parseConfig from an environment: a fresh data folder, a random port, a generated token-vault key, silent logs.
 * `env` overrides any variable.
 */
export function testConfig(env: Record<string, string> = {}): { config: Config; dataDir: string; removeDataDir(): void } {
  const dataDir = env['DATA_DIR'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-test-data-'));
  const config = parseConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    RELAYDESK_SECRET_KEY: generateVaultKeyText(),
    PUBLIC_ORIGIN: 'http://localhost:3000',
    MESSAGE_ID_DOMAIN: 'relaydesk.test',
    INSTANCE_ID: `test-${process.pid}`,
    ...env,
  });
  return { config, dataDir, removeDataDir: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}
