import type { MicrosoftApp } from './identity/microsoft-app';
import type { RunningSandbox } from './sandbox';

/**
 * The Microsoft app as Relaydesk sees it when the local Exchange Online sandbox stands in for Microsoft:
 * its authority and Graph host must be named to MSAL and the Graph SDK, which otherwise trust only
 * Microsoft's hosts. Used by main.ts (no Microsoft app configured) and by tests and benchmarks.
 */
export function sandboxMicrosoftApp(sandbox: Pick<RunningSandbox, 'baseUrl' | 'authority' | 'graphBaseUrl' | 'app'>): MicrosoftApp {
  const host = new URL(sandbox.baseUrl);
  return {
    clientId: sandbox.app.clientId,
    credential: { clientSecret: sandbox.app.clientSecret },
    authority: sandbox.authority,
    knownAuthorities: [host.host],
    graph: { baseUrl: sandbox.graphBaseUrl, customHosts: [host.hostname] },
    api: { authority: sandbox.authority, clientId: sandbox.app.clientId, apiScope: sandbox.app.apiScope, audience: sandbox.app.apiAudience },
  };
}
