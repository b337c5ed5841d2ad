import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { ensureSandboxTls, serialNumber } from '../../../server/sandbox/tls-ca';

// Trusting the sandbox CA (a browser profile, NODE_EXTRA_CA_CERTS) must not let its key intercept any other
// site: the CA is limited to loopback names by a critical nameConstraints extension, which TLS clients enforce.

const NAME_CONSTRAINTS = '2.5.29.30';
const DAY_MS = 24 * 3600 * 1000;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-ca-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Issued {
  certPem: string;
  keyPem: string;
}

/** A certificate for `subject` (a CA when `names` is empty), signed by `issuer` or self-signed; no name constraints. */
function issue(subject: string, names: string[], issuer?: Issued): Issued {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 30 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer(issuer ? forge.pki.certificateFromPem(issuer.certPem).subject.attributes : [{ name: 'commonName', value: subject }]);
  cert.setExtensions(
    names.length === 0
      ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }]
      : [{ name: 'basicConstraints', cA: false }, { name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) }],
  );
  cert.sign(issuer ? forge.pki.privateKeyFromPem(issuer.keyPem) : key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Serves `leaf` over TLS and connects to it trusting only `caPem` as `servername`: null, or the error code. */
async function handshake(leaf: Issued, caPem: string, servername: string): Promise<string | null> {
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string | null>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername, ca: [caPem] }, () => {
        socket.destroy();
        resolve(null);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'unknown'));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const caPair = (dataDir: string): Issued => ({
  certPem: fs.readFileSync(path.join(dataDir, 'ca.pem'), 'utf8'),
  keyPem: fs.readFileSync(path.join(dataDir, 'ca-key.pem'), 'utf8'),
});

describe('the sandbox CA', () => {
  it('carries critical name constraints that permit only localhost names and loopback addresses', () => {
    const created = ensureSandboxTls(dir);
    expect(created.caStatus).toBe('created');
    expect(new X509Certificate(created.caCertPem).ca).toBe(true);
    const ext = forge.pki.certificateFromPem(created.caCertPem).extensions.find((e: { id?: string }) => e.id === NAME_CONSTRAINTS) as
      | { critical?: boolean; permittedSubtrees?: { type: number; value: string }[]; excludedSubtrees?: unknown[] }
      | undefined;
    expect(ext?.critical).toBe(true);
    const permitted = (ext?.permittedSubtrees ?? []).map((s) => (s.type === 2 ? `dns:${s.value}` : `ip:${Buffer.from(s.value, 'binary').toString('hex')}`));
    expect(permitted.sort()).toEqual(['dns:.localhost', 'dns:localhost', `ip:${'0'.repeat(31)}1${'f'.repeat(32)}`, 'ip:7f000001ffffffff'].sort());
  });

  it('issues a localhost certificate that TLS accepts', async () => {
    const created = ensureSandboxTls(dir);
    expect(await handshake({ certPem: created.serverCertPem, keyPem: created.serverKeyPem }, created.caCertPem, 'localhost')).toBeNull();
  });

  it('cannot vouch for another site, even with its key', async () => {
    ensureSandboxTls(dir);
    const ca = caPair(dir);
    // The same forgery under a CA without constraints is accepted: the constraints are what stop it.
    const unconstrained = issue('Unconstrained CA', []);
    expect(await handshake(issue('example.com', ['example.com'], unconstrained), unconstrained.certPem, 'example.com')).toBeNull();
    // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION, which Node reports under its catch-all code; the control above
    // and below differ from this case only in the constraints.
    expect(await handshake(issue('example.com', ['example.com'], ca), ca.certPem, 'example.com')).toBe('UNSPECIFIED');
    expect(await handshake(issue('localhost', ['app.localhost'], ca), ca.certPem, 'app.localhost')).toBeNull();
  });

  it('replaces a CA from before the constraints, and its certificate, then keeps the new one', () => {
    const old = issue('Relaydesk Sandbox Local CA', []);
    fs.writeFileSync(path.join(dir, 'ca.pem'), old.certPem);
    fs.writeFileSync(path.join(dir, 'ca-key.pem'), old.keyPem);
    const oldLeaf = issue('localhost', ['localhost'], old);
    fs.writeFileSync(path.join(dir, 'localhost.pem'), oldLeaf.certPem);
    fs.writeFileSync(path.join(dir, 'localhost-key.pem'), oldLeaf.keyPem);

    const replaced = ensureSandboxTls(dir);
    expect(replaced.caStatus).toBe('replaced');
    expect(replaced.caCertPem).not.toBe(old.certPem);
    expect(replaced.serverCertPem).not.toBe(oldLeaf.certPem);
    expect(new X509Certificate(replaced.serverCertPem).verify(new X509Certificate(replaced.caCertPem).publicKey)).toBe(true);

    const again = ensureSandboxTls(dir);
    expect(again.caStatus).toBe('reused');
    expect(again.caCertPem).toBe(replaced.caCertPem);
    expect(again.serverCertPem).toBe(replaced.serverCertPem);
  });
});
