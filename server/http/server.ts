import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/**
 * Explicit HTTP timeouts, so a slow or idle client cannot hold a socket (and its memory) open for long:
 * - headers: all request headers within 20 s (a slowloris client trickles them forever);
 * - request: the whole request, body included (at most 2 MB of JSON), within 60 s;
 * - keep-alive: an idle connection is closed after 65 s, longer than the 60 s idle timeout of common load
 *   balancers, so the proxy closes first and never sends a request on a socket Node is closing.
 */
export const HTTP_TIMEOUTS = { headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000 } as const;

export interface RunningHttpServer {
  server: http.Server | https.Server;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish for up to `timeoutMs`, then cuts the rest. */
  stop(timeoutMs: number): Promise<void>;
}

/** Listens over HTTPS when given a certificate and key, else plain HTTP (behind a TLS proxy). */
export function listen(app: Express, port: number, host: string, tls?: { certPem: string; keyPem: string }): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    const timeouts = { headersTimeout: HTTP_TIMEOUTS.headersTimeoutMs, requestTimeout: HTTP_TIMEOUTS.requestTimeoutMs, keepAliveTimeout: HTTP_TIMEOUTS.keepAliveTimeoutMs };
    const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem, ...timeouts }, app) : http.createServer(timeouts, app);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        stop: (timeoutMs) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            // Keep-alive connections with no request in flight would otherwise hold close() open.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
