import { checkConfig } from '../../../server/doctor/config-check';
import { generateVaultKeyText } from '../../../server/identity/token-vault';

// The doctor reads the configuration exactly as the server does, but a bad variable is a row, not exit 78.
describe('the configuration check', () => {
  const base = { DATA_DIR: '/tmp/relaydesk-doctor-config', NODE_ENV: 'test' };

  it('is ok for a configuration the server accepts, and hands the parsed config on', () => {
    const { config, results } = checkConfig(base);
    expect(results.map((r) => r.status)).toEqual(['ok']);
    expect(config?.microsoft.mode).toBe('sandbox');
  });

  it('fails each invalid variable by name instead of throwing (no config for the other checks)', () => {
    const { config, results } = checkConfig({ ...base, PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(config).toBeUndefined();
    expect(results.map((r) => [r.status, r.code, r.variable])).toEqual([
      ['fail', 'invalid_variable', 'PORT'],
      ['fail', 'invalid_variable', 'LOG_LEVEL'],
    ]);
    expect(results.every((r) => r.fix?.includes(r.variable!))).toBe(true);
  });

  it('fails a rule across variables, naming the one to set (production without a Microsoft app)', () => {
    const { results } = checkConfig({ ...base, NODE_ENV: 'production', RELAYDESK_SECRET_KEY: generateVaultKeyText() });
    expect(results.map((r) => r.variable)).toContain('MICROSOFT_CLIENT_ID');
    expect(results.every((r) => r.status === 'fail')).toBe(true);
  });

  // parseConfig takes any text; the server would only find out at its first token, long after start.
  it('fails a RELAYDESK_SECRET_KEY that is not 32 bytes, which parseConfig lets through', () => {
    const { config, results } = checkConfig({ ...base, RELAYDESK_SECRET_KEY: 'c2hvcnQ=' });
    expect(config).toBeDefined();
    expect(results.map((r) => [r.status, r.code, r.variable])).toEqual([['fail', 'invalid_secret_key', 'RELAYDESK_SECRET_KEY']]);
  });

  it('warns when a real Microsoft app would seal tokens with a generated key file', () => {
    const { results } = checkConfig({ ...base, MICROSOFT_CLIENT_ID: '7f1a2c3d-0000-4000-8000-000000000001', MICROSOFT_CLIENT_SECRET: 's' });
    expect(results.map((r) => [r.status, r.code, r.variable])).toEqual([['warn', 'generated_secret_key', 'RELAYDESK_SECRET_KEY']]);
  });
});
