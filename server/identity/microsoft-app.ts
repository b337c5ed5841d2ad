import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { ConfidentialClientApplication, type ICachePlugin, type Configuration as MsalConfiguration } from '@azure/msal-node';
import type { MicrosoftConfig } from '../config';
import type { GraphEndpoint } from '../graph/client';
import { MICROSOFT_AUTHORITY_HOSTS, MICROSOFT_GRAPH_HOSTS } from './microsoft-hosts';

/** Delegated permissions a linked mailbox consents to. */
export const MAILBOX_SCOPES = ['offline_access', 'Mail.ReadWrite', 'Mail.Send', 'User.Read'] as const;
/** Scopes for token requests (MSAL adds openid, profile and offline_access itself). */
export const MAILBOX_TOKEN_SCOPES = ['https://graph.microsoft.com/Mail.ReadWrite', 'https://graph.microsoft.com/Mail.Send', 'https://graph.microsoft.com/User.Read'];

/** The API's delegated permission; access tokens for the API name it in `scp`. */
export const API_SCOPE_NAME = 'access_as_user';

/** Everything needed to reach Microsoft (or the local sandbox): the app, its authority, Graph, and the API. */
export interface MicrosoftApp {
  clientId: string;
  credential: { clientSecret: string } | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c: string } };
  /** MSAL authority, e.g. https://login.microsoftonline.com/organizations */
  authority: string;
  /** The authority's host, e.g. https://login.microsoftonline.com: app-only tokens name their tenant after it. */
  authorityHost: string;
  /** The configured tenant segment: a GUID, a verified domain, or organizations/common. */
  tenant: string;
  /** host:port entries that spare MSAL the instance discovery call (needed for the sandbox). */
  knownAuthorities: string[];
  graph: GraphEndpoint;
  /** What the task pane's MSAL needs to get tokens for this API. */
  api: { authority: string; clientId: string; apiScope: string; audience: string };
}

export function entraApp(config: Extract<MicrosoftConfig, { mode: 'entra' }>): MicrosoftApp {
  const authority = `${config.authorityHost}/${config.tenant}`;
  const authorityHost = new URL(config.authorityHost);
  const graphHost = new URL(config.graphBaseUrl).hostname;
  return {
    clientId: config.clientId,
    credential: config.credential.kind === 'secret' ? { clientSecret: config.credential.secret } : { clientCertificate: readCertificate(config.credential.path) },
    authority,
    authorityHost: config.authorityHost,
    tenant: config.tenant,
    // Any other host (an Entra-compatible emulator such as an external sandbox) must be named to MSAL and
    // the Graph SDK, or MSAL tries Microsoft's instance discovery and the SDK withholds the bearer token.
    knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.has(authorityHost.hostname) ? [] : [authorityHost.host],
    graph: { baseUrl: config.graphBaseUrl, customHosts: MICROSOFT_GRAPH_HOSTS.has(graphHost) ? [] : [graphHost] },
    api: { authority, clientId: config.clientId, apiScope: `api://${config.clientId}/${API_SCOPE_NAME}`, audience: config.clientId },
  };
}

/** A PEM file holding the private key and the certificate registered on the app. */
function readCertificate(file: string): { thumbprintSha256: string; privateKey: string; x5c: string } {
  return certificateCredential(fs.readFileSync(file, 'utf8'), file);
}

/** MSAL's certificate credential from PEM text holding the private key and the certificate registered on the app. */
export function certificateCredential(pem: string, file = 'the certificate'): { thumbprintSha256: string; privateKey: string; x5c: string } {
  const privateKey = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!privateKey || !certificate) throw new Error(`${file} must contain a private key and a certificate in PEM form`);
  const der = new X509Certificate(certificate).raw;
  return { thumbprintSha256: createHash('sha256').update(der).digest('hex'), privateKey, x5c: certificate };
}

/**
 * A confidential client for this app; `cachePlugin` binds its token cache to one mailbox's vault entry;
 * `tenant` names the authority's tenant instead of the configured one (app-only tokens need a real tenant).
 */
export function createConfidentialClient(app: MicrosoftApp, cachePlugin?: ICachePlugin, tenant?: string): ConfidentialClientApplication {
  const authority = tenant ? `${app.authorityHost}/${tenant}` : app.authority;
  const configuration: MsalConfiguration = {
    auth: { clientId: app.clientId, authority, knownAuthorities: app.knownAuthorities, ...app.credential },
    ...(cachePlugin ? { cache: { cachePlugin } } : {}),
  };
  return new ConfidentialClientApplication(configuration);
}
