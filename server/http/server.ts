import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningHttpServer {
  server: http.Server | https.Server;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish for up to `timeoutMs`, then cuts the rest. */
  stop(timeoutMs: number): Promise<void>;
}

/** Listens over HTTPS when given a certificate and key, else plain HTTP (behind a TLS proxy). */
export function listen(app: Express, port: number, host: string, tls?: { certPem: string; keyPem: string }): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, app) : http.createServer(app);
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
