import https from 'node:https';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch, setGlobalDispatcher } from 'undici';

const trusted = new Set<string>();

/**
 * Trusts one more certificate authority for every outgoing HTTPS request of this process, on top of the
 * system's roots. Needed for the local Exchange Online sandbox: the Graph SDK and msal-node refuse plain
 * http, and NODE_EXTRA_CA_CERTS is read only when the process starts, before the sandbox has made its CA.
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
