import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../server/config';

/**
 * deploy/relaydesk.service, deploy/relaydesk.env.example and the server's configuration must agree: an example
 * the server refuses at start, a data folder the sandbox keeps read-only, or a stop timeout longer than
 * systemd's patience would each be found only on the first production start or stop. (`systemd-analyze
 * verify` in .ci/run checks the unit's syntax; this checks what it means for Relaydesk.)
 */

const ROOT = path.resolve(__dirname, '../..');
const unitText = fs.readFileSync(path.join(ROOT, 'deploy/relaydesk.service'), 'utf8');
const exampleText = fs.readFileSync(path.join(ROOT, 'deploy/relaydesk.env.example'), 'utf8');

/** `Key=value` settings of the unit (a key may repeat), comments and sections left out. */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  return settings;
}

/** An EnvironmentFile's variables (KEY=value lines; `#` lines are comments). */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`not KEY=value: ${line}`);
    env[m[1]!] = m[2]!;
  }
  return env;
}

const unit = unitSettings(unitText);
const one = (key: string) => {
  const values = unit.get(key) ?? [];
  if (values.length !== 1) throw new Error(`${key}: ${values.length} settings`);
  return values[0]!;
};
const example = envFile(exampleText);
/** The environment the service starts with: the unit's Environment= lines, then the file (which wins). */
const serviceEnv = { ...Object.fromEntries((unit.get('Environment') ?? []).map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string])), ...example };

describe('deploy/relaydesk.env.example', () => {
  it('is a configuration the server accepts as it is, in production', () => {
    expect(serviceEnv['NODE_ENV']).toBe('production');
    const config = parseConfig(serviceEnv);
    expect(config.env).toBe('production');
    expect(config.microsoft.mode).toBe('entra');
    expect(config.dataDir).toBe('/var/lib/relaydesk');
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('names only variables README.md documents', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const commentedOut = [...exampleText.matchAll(/^#([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    const undocumented = [...Object.keys(example), ...commentedOut].filter((name) => !readme.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});

describe('deploy/relaydesk.service', () => {
  it('runs the compiled server as its own user, with the example environment file', () => {
    expect(one('User')).toBe('relaydesk');
    expect(one('Group')).toBe('relaydesk');
    expect(unit.has('DynamicUser')).toBe(false);
    expect(one('WorkingDirectory')).toBe('/opt/relaydesk');
    expect(one('EnvironmentFile')).toBe('/etc/relaydesk/relaydesk.env');
    expect(one('ExecStart')).toMatch(/^\/\S+\/node dist\/server\/main\.js$/);
    expect(one('Restart')).toBe('on-failure');
    // An invalid configuration exits 78 (server/main.ts): restarting would only loop.
    expect(one('RestartPreventExitStatus')).toBe('78');
  });

  it('gives the stop more time than SHUTDOWN_TIMEOUT_MS, so Relaydesk ends itself before any SIGKILL', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    const stopSec = /^(\d+)s$/.exec(one('TimeoutStopSec'));
    expect(stopSec).not.toBeNull();
    const stopMs = Number(stopSec![1]) * 1000;
    const defaultTimeout = parseConfig({}).shutdownTimeoutMs;
    const exampleTimeout = parseConfig(serviceEnv).shutdownTimeoutMs;
    // Past SHUTDOWN_TIMEOUT_MS the process exits by itself (1); a few seconds more for its last log lines.
    expect(stopMs).toBeGreaterThanOrEqual(Math.max(defaultTimeout, exampleTimeout) + 5_000);
  });

  it('keeps everything read-only but the data folder, which outlives the process with its owner', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('StateDirectory')).toBe('relaydesk');
    expect(one('ReadWritePaths')).toBe(parseConfig(serviceEnv).dataDir);
    // Even with an environment file that does not say: the default (./data) is inside the read-only release.
    expect(unit.get('Environment')).toContain('DATA_DIR=/var/lib/relaydesk');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'PrivateDevices', 'ProtectHome', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'LockPersonality', 'RestrictRealtime']) {
      expect([key, one(key)]).toEqual([key, 'yes']);
    }
    expect(one('RestrictAddressFamilies').split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    expect(one('SystemCallArchitectures')).toBe('native');
  });

  it('grants no capability: the default port needs none', () => {
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(unit.has('AmbientCapabilities')).toBe(false);
    expect(parseConfig(serviceEnv).port).toBeGreaterThanOrEqual(1024);
  });

  it('leaves out MemoryDenyWriteExecute, which stops V8 compiling JavaScript', () => {
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  });
});
