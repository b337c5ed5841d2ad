import https from 'node:https';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch, setGlobalDispatcher } from 'undici';
import { certificateCredential, type MicrosoftApp } from './identity/microsoft-app';
import type { Logger } from './logger';
import { DEMO, startSandbox, type RunningSandbox } from './sandbox';

/**
 * Sandbox mode: the one module that imports the local Exchange Online sandbox (server/sandbox). It starts it
 * when no Microsoft app is configured, trusts its certificate authority, and names its hosts to MSAL and the
 * Graph SDK. The composition root (server/wiring.ts) calls it; domain code never sees the sandbox.
 */

export type { RunningSandbox };

/** What Relaydesk needs to know of a running sandbox (one it started, or one a test or benchmark started). */
export type SandboxEndpoints = Pick<RunningSandbox, 'baseUrl' | 'authority' | 'graphBaseUrl' | 'app' | 'tenantId' | 'caCertPem'> & Partial<Pick<RunningSandbox, 'localhostTls'>>;

/** The demo tenant as the preview at `/` shows it: the support mailbox and the people who sign in. */
export const SANDBOX_DEMO = {
  mailbox: DEMO.support.upn,
  people: [{ upn: DEMO.admin.upn, name: DEMO.admin.displayName, role: 'admin' as const }, ...DEMO.agents.map((a) => ({ upn: a.upn, name: a.displayName, role: 'agent' as const }))],
};

export interface SandboxModeOptions {
  port: number;
  dataDir: string;
  demoMail: boolean;
  logger: Logger;
}

/** Starts the sandbox with its demo tenant, so a newcomer sees the whole system work on one machine. */
export async function startSandboxMode(options: SandboxModeOptions): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ port: options.port, dataDir: options.dataDir, seedDemo: true, demoMail: options.demoMail, logger: options.logger.child({ component: 'sandbox' }) });
  trustCertificateAuthority(sandbox.caCertPem);
  options.logger.warn({ sandbox: sandbox.baseUrl, ca: sandbox.caCertPath }, 'no Microsoft app configured: using the local Exchange Online sandbox');
  return sandbox;
}

/**
 * The Microsoft app as Relaydesk sees it when the sandbox stands in for Microsoft: its authority and Graph host
 * must be named to MSAL and the Graph SDK, which otherwise trust only Microsoft's hosts.
 */
export function sandboxMicrosoftApp(sandbox: Pick<SandboxEndpoints, 'baseUrl' | 'authority' | 'graphBaseUrl' | 'app' | 'tenantId'>, options: { clientCertificatePem?: string } = {}): MicrosoftApp {
  const host = new URL(sandbox.baseUrl);
  return {
    clientId: sandbox.app.clientId,
    // A certificate when one is given (as production prefers), else the sandbox app's secret.
    credential: options.clientCertificatePem ? { clientCertificate: certificateCredential(options.clientCertificatePem) } : { clientSecret: sandbox.app.clientSecret },
    authority: sandbox.authority,
    authorityHost: sandbox.baseUrl.replace(/\/+$/, ''),
    tenant: sandbox.tenantId,
    knownAuthorities: [host.host],
    graph: { baseUrl: sandbox.graphBaseUrl, customHosts: [host.hostname] },
    api: { authority: sandbox.authority, clientId: sandbox.app.clientId, apiScope: sandbox.app.apiScope, audience: sandbox.app.apiAudience },
  };
}

const trusted = new Set<string>();

/**
 * Trusts one more certificate authority for every outgoing HTTPS request of this process, on top of the
 * system's roots. The Graph SDK and msal-node refuse plain http, and NODE_EXTRA_CA_CERTS is read only when the
 * process starts, before the sandbox has made its CA.
 *
 * Global fetch (used by msal-node, the Graph SDK and jose) becomes undici's own fetch, which reads the
 * dispatcher installed here from the same global object. (Node's built-in fetch reads it from Node's own
 * global, which is not the one a test runner's sandboxed realm sees.)
 */
export function trustCertificateAuthority(pem: string): void {
  trusted.add(pem.trim());
  const ca = [...tls.rootCertificates, ...trusted];
  // One secure context, built once: handing `ca` to every connection would parse ~150 certificates each time.
  const secureContext = tls.createSecureContext({ ca });
  setGlobalDispatcher(new Agent({ connect: { secureContext } }));
  globalThis.fetch = undiciFetch as unknown as typeof globalThis.fetch;
  https.globalAgent.options.ca = ca;
}
