import path from 'node:path';
import { ConfigError, parseConfig } from '../../server/config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable).sort();
    throw error;
  }
  return [];
}

describe('config', () => {
  it('runs with no environment at all: SQLite in ./data, port 3000, no identity provider', () => {
    const config = parseConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.resolve('data/relaydesk.db') });
    expect(config.auth).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('serves HTTPS with the sandbox CA by default, and plain HTTP behind a proxy once a Microsoft app is set', () => {
    expect(parseConfig({})).toMatchObject({ tls: { kind: 'sandbox' }, publicOrigin: 'https://localhost:3000', redirectUri: 'https://localhost:3000/oauth/callback', microsoft: { mode: 'sandbox' } });
    const entra = parseConfig({ MICROSOFT_CLIENT_ID: 'app-id', MICROSOFT_CLIENT_SECRET: 's', PORT: '8080' });
    expect(entra).toMatchObject({ tls: { kind: 'none' }, publicOrigin: 'http://localhost:8080', microsoft: { mode: 'entra', clientId: 'app-id', tenant: 'organizations' } });
    expect(entra.auth).toEqual({ authority: 'https://login.microsoftonline.com/organizations', audience: 'app-id', tenantId: undefined });
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', DATABASE_URL: '', LOG_LEVEL: '' }).port).toBe(3000);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@db:5432/relaydesk' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/relaydesk' });
  });

  it.each([
    [{ PORT: 'abc' }, ['PORT']],
    [{ PORT: '70000' }, ['PORT']],
    [{ PORT: '3000.5' }, ['PORT']],
    [{ DATABASE_URL: 'mysql://x' }, ['DATABASE_URL']],
    [{ LOG_LEVEL: 'loud' }, ['LOG_LEVEL']],
    [{ SHUTDOWN_TIMEOUT_MS: '0' }, ['SHUTDOWN_TIMEOUT_MS']],
    [{ AUTH_AUTHORITY: 'not a url', AUTH_AUDIENCE: 'api://x' }, ['AUTH_AUTHORITY']],
    [{ AUTH_AUTHORITY: 'https://login.microsoftonline.com/contoso' }, ['AUTH_AUDIENCE']],
    [{ TLS_CERT_FILE: '/etc/relaydesk/cert.pem' }, ['TLS_KEY_FILE']],
    [{ MICROSOFT_CLIENT_ID: 'app' }, ['MICROSOFT_CLIENT_SECRET']],
    [{ NODE_ENV: 'production' }, ['MICROSOFT_CLIENT_ID', 'RELAYDESK_SECRET_KEY']],
  ])('refuses %j, naming %j', (env, names) => {
    expect(problemsOf(env)).toEqual(names);
  });

  it('names every bad variable at once', () => {
    expect(problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'sqlite://x' })).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
  });

  it('is frozen, nested objects included', () => {
    const config = parseConfig({ AUTH_AUTHORITY: 'https://login.microsoftonline.com/contoso', AUTH_AUDIENCE: 'api://relaydesk' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });
});
