import https from 'node:https';
import tls from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';

const trusted = new Set<string>();

/**
 * Trusts one more certificate authority for every outgoing HTTPS request of this process, on top of the
 * system's roots. Needed for the local Exchange Online sandbox: the Graph SDK and msal-node refuse plain
 * http, and NODE_EXTRA_CA_CERTS is read only when the process starts, before the sandbox has made its CA.
 * Covers global fetch (msal-node, the Graph SDK, jose) and node:https.
 */
export function trustCertificateAuthority(pem: string): void {
  trusted.add(pem.trim());
  const ca = [...tls.rootCertificates, ...trusted];
  setGlobalDispatcher(new Agent({ connect: { ca } }));
  https.globalAgent.options.ca = ca;
}
