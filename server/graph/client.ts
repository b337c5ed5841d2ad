import { Client } from '@microsoft/microsoft-graph-client';

/** The Graph SDK's client, named here so that code outside server/graph never imports the SDK. */
export type GraphClient = Client;

export interface GraphEndpoint {
  /** e.g. https://graph.microsoft.com/v1.0 */
  baseUrl: string;
  /** Hosts other than Microsoft's that may receive the bearer token (the local sandbox). */
  customHosts: readonly string[];
}

/** A Graph client that asks `accessToken` for a token on every request. */
export function createGraphClient(endpoint: GraphEndpoint, accessToken: () => Promise<string>): Client {
  const url = new URL(endpoint.baseUrl);
  const version = url.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0';
  return Client.init({
    baseUrl: `${url.origin}/`,
    defaultVersion: version,
    customHosts: new Set(endpoint.customHosts),
    authProvider: (done) => {
      accessToken().then(
        (token) => done(null, token),
        (error: unknown) => done(error, null),
      );
    },
  });
}
