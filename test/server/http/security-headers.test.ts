import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { HTTP_TIMEOUTS, listen, type RunningHttpServer } from '../../../server/http/server';
import { ensureSandboxTls } from '../../../server/sandbox/tls-ca';
import { startApiHarness, type ApiHarness } from '../../support/api';
import { AGENT } from '../../support/identity-provider';

/**
 * Headers every answer carries (nosniff), the API's (no-store), HSTS only over HTTPS and never for a loopback
 * name (HSTS covers every port of a host: it would break other local servers), and the listener's timeouts.
 */

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startApiHarness();
});
afterAll(() => harness?.close());

describe('every response', () => {
  it.each(['/healthz', '/no-such-page', '/api/tickets', '/api/auth/config'])('%s says nosniff', async (url) => {
    expect((await request(harness.app).get(url)).headers['x-content-type-options']).toBe('nosniff');
  });

  it('the API is never cached, successes and errors alike', async () => {
    const token = await harness.idp.token(AGENT);
    const ok = await request(harness.app).get('/api/tickets').set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const refused = await request(harness.app).get('/api/tickets');
    expect(refused.status).toBe(401);
    expect(refused.headers['cache-control']).toBe('no-store');
  });
});

describe('HSTS', () => {
  let dir: string;
  let server: RunningHttpServer;
  let ca: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-hsts-'));
    const tls = ensureSandboxTls(dir);
    ca = tls.caCertPem;
    server = await listen(harness.app, 0, '127.0.0.1', { certPem: tls.serverCertPem, keyPem: tls.serverKeyPem });
  });
  afterAll(async () => {
    await server?.stop(1000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** GET /healthz over HTTPS with `host` in the Host header; the answer's HSTS header. */
  const overHttps = (host: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      // agent: false, because the global agent's options win over ours, and another test file in this worker
      // may have given it the CA of its own sandbox.
      const req = https.get({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca, agent: false, path: '/healthz', headers: { host } }, (res) => {
        res.resume();
        resolve(res.headers['strict-transport-security']);
      });
      req.on('error', reject);
    });

  it('is sent over HTTPS for a real host name', async () => {
    expect(await overHttps('relaydesk.contoso.test')).toBe('max-age=31536000');
  });

  it('is sent when a TLS proxy on loopback says the request came over HTTPS', async () => {
    const res = await request(harness.app).get('/healthz').set('Host', 'relaydesk.contoso.test').set('X-Forwarded-Proto', 'https');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it.each(['localhost', 'localhost:3000', 'pane.localhost', '127.0.0.1'])('is not sent for the loopback name %s', async (host) => {
    expect(await overHttps(host)).toBeUndefined();
  });

  it('is not sent over plain HTTP', async () => {
    expect((await request(harness.app).get('/healthz').set('Host', 'relaydesk.contoso.test')).headers['strict-transport-security']).toBeUndefined();
  });
});

describe('listener timeouts', () => {
  it.each([false, true])('are set explicitly (HTTPS: %s)', async (secure) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-timeouts-'));
    const tls = secure ? ensureSandboxTls(dir) : undefined;
    const running = await listen(express(), 0, '127.0.0.1', tls ? { certPem: tls.serverCertPem, keyPem: tls.serverKeyPem } : undefined);
    try {
      expect(running.server.headersTimeout).toBe(HTTP_TIMEOUTS.headersTimeoutMs);
      expect(running.server.requestTimeout).toBe(HTTP_TIMEOUTS.requestTimeoutMs);
      expect(running.server.keepAliveTimeout).toBe(HTTP_TIMEOUTS.keepAliveTimeoutMs);
      // Node's defaults (60 s, 300 s, 5 s) would let a slow client hold a socket for minutes.
      expect(HTTP_TIMEOUTS.headersTimeoutMs).toBeLessThan(60_000);
      expect(HTTP_TIMEOUTS.requestTimeoutMs).toBeLessThan(300_000);
    } finally {
      await running.stop(1000);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
