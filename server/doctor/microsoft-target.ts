import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config';
import { entraApp, type MicrosoftApp } from '../identity/microsoft-app';
import type { Logger } from '../logger';
import { ensurePrivateDirectory } from '../private-files';
import { sandboxMicrosoftApp, startSandboxMode, trustCertificateAuthority } from '../sandbox-mode';
import { describeError, fail, ok, type CheckResult } from './check-result';
import { httpGet, ProbeError } from './probe';

/**
 * What the Microsoft checks talk to: Entra and Graph as configured, or in sandbox mode the sandbox the server
 * itself would use. The server always runs its sandbox on SANDBOX_PORT with the CA in DATA_DIR, so that one is
 * checked: the sandbox already running there (the server's own, or `npm run sandbox` on the same DATA_DIR),
 * else one started here exactly as the server starts it, and stopped after the checks. A sandbox anywhere else
 * is not what the server would use, and checking it would prove nothing about this installation.
 */
export interface MicrosoftTarget {
  mode: 'sandbox' | 'entra';
  /** MSAL-style authority, without a trailing slash: https://login.microsoftonline.com/organizations */
  authority: string;
  clientId: string;
  graphBaseUrl: string;
  /** The API's delegated scope that the task pane asks for. */
  apiScope: string;
  /** The app with its credential, for a token request; undefined when the credential cannot be read. */
  app: MicrosoftApp | undefined;
  /** Certificate authorities trusted besides the system's (the sandbox's). */
  extraCa: readonly string[] | undefined;
  /** Sandbox mode: its CA and the certificate Relaydesk serves, which the sandbox issued. */
  sandboxTls: { caPem: string; certificate: X509Certificate } | undefined;
  /** The variables that set each part, named in failures. */
  variables: { authority: string; graph: string; tenant: string; clientId: string };
  close(): Promise<void>;
}

/** The sandbox's CA, as the data folder keeps it (server/sandbox/README.md: "Persisted in the data folder"). */
const sandboxCaFile = (dataDir: string): string => path.join(dataDir, 'sandbox-ca', 'ca.pem');

const SANDBOX_VARIABLES = { authority: 'SANDBOX_PORT', graph: 'SANDBOX_PORT', tenant: 'SANDBOX_PORT', clientId: 'SANDBOX_PORT' } as const;

export async function microsoftTarget(config: Config, logger: Logger): Promise<{ target: MicrosoftTarget | undefined; results: CheckResult[] }> {
  if (config.microsoft.mode === 'entra') {
    // Names and endpoints without the credential, which may be unreadable: that is the app credential check's to say.
    const app = entraApp({ ...config.microsoft, credential: { kind: 'secret', secret: '', expiresAt: null } });
    let withCredential: MicrosoftApp | undefined;
    try {
      withCredential = entraApp(config.microsoft);
    } catch {
      withCredential = undefined;
    }
    return {
      target: {
        mode: 'entra',
        authority: app.authority.replace(/\/+$/, ''),
        clientId: app.clientId,
        graphBaseUrl: app.graph.baseUrl,
        apiScope: app.api.apiScope,
        app: withCredential,
        extraCa: undefined,
        sandboxTls: undefined,
        variables: { authority: 'MICROSOFT_AUTHORITY_HOST', graph: 'MICROSOFT_GRAPH_URL', tenant: 'MICROSOFT_TENANT', clientId: 'MICROSOFT_CLIENT_ID' },
        close: async () => {},
      },
      results: [],
    };
  }
  const port = config.microsoft.port;
  if (port !== 0 && (await listening(port))) return runningSandbox(config.dataDir, port);
  return startedSandbox(config, logger);
}

async function runningSandbox(dataDir: string, port: number): Promise<{ target: MicrosoftTarget | undefined; results: CheckResult[] }> {
  const check = 'sandbox';
  const caFile = sandboxCaFile(dataDir);
  const occupied = `Stop what listens on ${port}, or give this installation another SANDBOX_PORT: the server cannot start its sandbox there.`;
  if (!fs.existsSync(caFile)) {
    return { target: undefined, results: [fail(check, 'port_taken', `something listens on SANDBOX_PORT ${port}, but ${caFile} does not exist: it is not this data folder's sandbox`, occupied, 'SANDBOX_PORT')] };
  }
  const caPem = fs.readFileSync(caFile, 'utf8');
  const url = `https://localhost:${port}/sandbox/`;
  try {
    const answer = await httpGet(url, { extraCa: [caPem] });
    const info = JSON.parse(answer.body) as { baseUrl?: string; authority?: string; graphBaseUrl?: string; tenantId?: string; app?: { clientId?: string; clientSecret?: string; apiAudience?: string; apiScope?: string } };
    if (answer.status !== 200 || !info.baseUrl || !info.authority || !info.graphBaseUrl || !info.tenantId || !info.app?.clientId || !info.app.apiScope || !answer.certificate) {
      return { target: undefined, results: [fail(check, 'port_taken', `${url} answered ${answer.status}, not as the sandbox does`, occupied, 'SANDBOX_PORT')] };
    }
    const app = sandboxMicrosoftApp({
      baseUrl: info.baseUrl,
      authority: info.authority,
      graphBaseUrl: info.graphBaseUrl,
      tenantId: info.tenantId,
      // The control API does not hand out the app's certificate; the secret is what the server signs in with.
      app: { clientId: info.app.clientId, clientSecret: info.app.clientSecret ?? '', apiAudience: info.app.apiAudience ?? info.app.clientId, apiScope: info.app.apiScope, clientCertificatePem: '', clientCertificatePath: '' },
    });
    // msal-node (the app credential's token request) uses global fetch: it must trust the sandbox as the server does.
    trustCertificateAuthority(caPem);
    return {
      target: sandboxTarget(app, caPem, answer.certificate, async () => {}),
      results: [ok(check, `the running sandbox at ${info.baseUrl} (tenant ${info.tenantId}), with the CA in ${caFile}`)],
    };
  } catch (error) {
    const detail = error instanceof ProbeError && error.stage === 'tls' ? `the service on SANDBOX_PORT ${port} is not the sandbox of this data folder (its certificate is not from ${caFile})` : `${url}: ${describeError(error)}`;
    return { target: undefined, results: [fail(check, 'port_taken', detail, occupied, 'SANDBOX_PORT')] };
  }
}

async function startedSandbox(config: Config, logger: Logger): Promise<{ target: MicrosoftTarget | undefined; results: CheckResult[] }> {
  if (config.microsoft.mode !== 'sandbox') throw new Error('not in sandbox mode');
  // As the composition root does: the data folder is private before the sandbox writes its CA key into it.
  ensurePrivateDirectory(config.dataDir);
  const sandbox = await startSandboxMode({ port: config.microsoft.port, dataDir: config.dataDir, demoMail: false, logger });
  const app = sandboxMicrosoftApp(sandbox);
  const where = config.microsoft.port === 0 ? 'SANDBOX_PORT is 0 (a new port each start)' : `nothing listened on SANDBOX_PORT ${config.microsoft.port}`;
  return {
    target: sandboxTarget(app, sandbox.caCertPem, new X509Certificate(sandbox.localhostTls.certPem), () => sandbox.close()),
    results: [ok('sandbox', `${where}: started the sandbox at ${sandbox.baseUrl} as the server does, from ${config.dataDir} (stopped after the checks)`)],
  };
}

function sandboxTarget(app: ReturnType<typeof sandboxMicrosoftApp>, caPem: string, certificate: X509Certificate, close: () => Promise<void>): MicrosoftTarget {
  return {
    mode: 'sandbox',
    authority: app.authority.replace(/\/+$/, ''),
    clientId: app.clientId,
    graphBaseUrl: app.graph.baseUrl,
    apiScope: app.api.apiScope,
    app,
    extraCa: [caPem],
    sandboxTls: { caPem, certificate },
    variables: SANDBOX_VARIABLES,
    close,
  };
}

/** Whether anything accepts connections on the loopback port the sandbox binds to. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
