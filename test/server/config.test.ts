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
    expect(entra.auth).toEqual({ authority: 'https://login.microsoftonline.com/organizations', audience: 'app-id', tenantIds: [] });
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
    // The default authority is multi-tenant (organizations), so production also needs the tenant list.
    [{ NODE_ENV: 'production' }, ['AUTH_TENANT_ID', 'MICROSOFT_CLIENT_ID', 'RELAYDESK_SECRET_KEY']],
    [{ AUTH_TENANT_ID: 'contoso.onmicrosoft.com' }, ['AUTH_TENANT_ID']],
    [{ AUTH_TENANT_ID: ' , ' }, ['AUTH_TENANT_ID']],
    [{ ALLOW_CUSTOM_IDENTITY_HOST: 'yes' }, ['ALLOW_CUSTOM_IDENTITY_HOST']],
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

  describe('in production', () => {
    const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const OTHER_TENANT = 'b1c2d3e4-0000-4000-8000-000000000001';
    const production = { NODE_ENV: 'production', MICROSOFT_CLIENT_ID: 'app-id', MICROSOFT_CLIENT_SECRET: 's', RELAYDESK_SECRET_KEY: 'k' };

    // A multi-tenant authority signs tokens for users of every Entra tenant; without a list, any of them who
    // consents to the app and gives themselves Relaydesk.Admin would be an admin here.
    it.each([
      ['the default authority (organizations)', {}],
      ['MICROSOFT_TENANT=common', { MICROSOFT_TENANT: 'common' }],
      ['an AUTH_AUTHORITY ending in /organizations', { AUTH_AUTHORITY: 'https://login.microsoftonline.com/organizations', AUTH_AUDIENCE: 'api://x' }],
    ])('refuses %s without AUTH_TENANT_ID, naming it', (_name, env) => {
      expect(problemsOf({ ...production, ...env })).toEqual(['AUTH_TENANT_ID']);
    });

    it('accepts one tenant id or a comma-separated list of them', () => {
      expect(parseConfig({ ...production, AUTH_TENANT_ID: TENANT }).auth?.tenantIds).toEqual([TENANT]);
      expect(parseConfig({ ...production, AUTH_TENANT_ID: ` ${TENANT} ,${OTHER_TENANT.toUpperCase()}` }).auth?.tenantIds).toEqual([TENANT, OTHER_TENANT]);
    });

    it('needs no tenant list for a single-tenant authority, whose issuer names its tenant', () => {
      expect(problemsOf({ ...production, MICROSOFT_TENANT: TENANT })).toEqual([]);
    });

    it.each([
      ['MICROSOFT_AUTHORITY_HOST', { MICROSOFT_AUTHORITY_HOST: 'https://login.example.test' }],
      ['MICROSOFT_GRAPH_URL', { MICROSOFT_GRAPH_URL: 'https://graph.example.test/v1.0' }],
      ['AUTH_AUTHORITY', { AUTH_AUTHORITY: `https://login.example.test/${TENANT}`, AUTH_AUDIENCE: 'api://x' }],
      ['MICROSOFT_GRAPH_URL', { MICROSOFT_GRAPH_URL: 'http://graph.microsoft.com/v1.0' }],
    ])('refuses an identity host that is not Microsoft\'s, naming %s', (variable, env) => {
      expect(problemsOf({ ...production, AUTH_TENANT_ID: TENANT, ...env })).toEqual([variable]);
      expect(problemsOf({ ...production, AUTH_TENANT_ID: TENANT, ...env, ALLOW_CUSTOM_IDENTITY_HOST: 'true' })).toEqual([]);
    });

    it("accepts Microsoft's national clouds", () => {
      const env = { MICROSOFT_AUTHORITY_HOST: 'https://login.microsoftonline.us', MICROSOFT_GRAPH_URL: 'https://dod-graph.microsoft.us/v1.0', AUTH_TENANT_ID: TENANT };
      expect(problemsOf({ ...production, ...env })).toEqual([]);
    });

    it('leaves development free to use the sandbox or an emulator', () => {
      expect(problemsOf({ MICROSOFT_CLIENT_ID: 'app-id', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_AUTHORITY_HOST: 'https://localhost:3443' })).toEqual([]);
    });
  });
});

describe('metrics listener and API rate limits', () => {
  it('serves no metrics unless METRICS_PORT is set, and then on loopback unless METRICS_HOST says otherwise', () => {
    expect(parseConfig({}).metrics).toBeUndefined();
    expect(parseConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(parseConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics).toEqual({ port: 9464, host: '10.0.0.5' });
    expect(problemsOf({ METRICS_PORT: '70000' })).toEqual(['METRICS_PORT']);
  });

  it('limits the API generously by default, and never lets 0 or nonsense switch a limit off', () => {
    expect(parseConfig({}).rateLimits).toEqual({ perUserPerMinute: 600, perIpPerMinute: 3000 });
    expect(parseConfig({ API_RATE_LIMIT_PER_MINUTE: '50', API_RATE_LIMIT_PER_IP_PER_MINUTE: '200' }).rateLimits).toEqual({ perUserPerMinute: 50, perIpPerMinute: 200 });
    for (const bad of ['0', '-1', 'lots', '1.5']) {
      expect(problemsOf({ API_RATE_LIMIT_PER_MINUTE: bad, API_RATE_LIMIT_PER_IP_PER_MINUTE: bad })).toEqual(['API_RATE_LIMIT_PER_IP_PER_MINUTE', 'API_RATE_LIMIT_PER_MINUTE']);
    }
  });
});
