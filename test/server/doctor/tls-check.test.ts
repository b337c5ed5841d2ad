import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { parseConfig } from '../../../server/config';
import { certificateVerdict, checkTls } from '../../../server/doctor/tls-check';
import { serialNumber } from '../../../server/sandbox/tls-ca';

const DAY_MS = 24 * 60 * 60 * 1000;

interface Issued {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** A real certificate made with node-forge (an RSA key from node:crypto, which is fast). */
function issue(options: { names: string[]; from: number; to: number; issuer?: Issued; ca?: boolean }): Issued {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(options.from);
  cert.validity.notAfter = new Date(options.to);
  const subject = [{ name: 'commonName', value: options.names[0] ?? 'test' }];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  cert.setExtensions(
    options.ca
      ? [{ name: 'basicConstraints', cA: true }]
      : [{ name: 'subjectAltName', altNames: options.names.map((n) => (/^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })) }],
  );
  cert.sign(options.issuer?.key ?? key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, cert, key };
}

const now = Date.now();
const x509 = (issued: Issued) => new X509Certificate(issued.certPem);

describe('the TLS certificate verdict', () => {
  it('fails an expired self-signed certificate, pointing at TLS_CERT_FILE', () => {
    const expired = issue({ names: ['localhost'], from: now - 30 * DAY_MS, to: now - DAY_MS });
    const result = certificateVerdict({ certificate: x509(expired), host: 'localhost', source: 'files' });
    expect([result.status, result.code, result.variable]).toEqual(['fail', 'expired', 'TLS_CERT_FILE']);
  });

  it('fails a certificate that is not valid yet', () => {
    const early = issue({ names: ['localhost'], from: now + DAY_MS, to: now + 90 * DAY_MS });
    expect(certificateVerdict({ certificate: x509(early), host: 'localhost', source: 'files' }).code).toBe('not_yet_valid');
  });

  it("fails a certificate whose names do not include PUBLIC_ORIGIN's host", () => {
    const other = issue({ names: ['helpdesk.example.com'], from: now - DAY_MS, to: now + 90 * DAY_MS });
    const result = certificateVerdict({ certificate: x509(other), host: 'relaydesk.example.com', source: 'files' });
    expect([result.status, result.code, result.variable]).toEqual(['fail', 'name_mismatch', 'PUBLIC_ORIGIN']);
    expect(certificateVerdict({ certificate: x509(other), host: 'helpdesk.example.com', source: 'files' }).status).toBe('ok');
  });

  it('matches an IP address host against the IP names', () => {
    const local = issue({ names: ['localhost', '127.0.0.1'], from: now - DAY_MS, to: now + 90 * DAY_MS });
    expect(certificateVerdict({ certificate: x509(local), host: '127.0.0.1', source: 'files' }).status).toBe('ok');
    expect(certificateVerdict({ certificate: x509(local), host: '10.0.0.1', source: 'files' }).code).toBe('name_mismatch');
  });

  it('warns within two weeks of expiry, and is ok before', () => {
    const soon = issue({ names: ['localhost'], from: now - 80 * DAY_MS, to: now + 5 * DAY_MS });
    expect([certificateVerdict({ certificate: x509(soon), host: 'localhost', source: 'files' }).status, certificateVerdict({ certificate: x509(soon), host: 'localhost', source: 'files' }).code]).toEqual(['warn', 'expiring']);
    const later = issue({ names: ['localhost'], from: now - DAY_MS, to: now + 60 * DAY_MS });
    expect(certificateVerdict({ certificate: x509(later), host: 'localhost', source: 'files' }).status).toBe('ok');
  });

  it('fails a key that does not belong to the certificate, naming TLS_KEY_FILE', () => {
    const served = issue({ names: ['localhost'], from: now - DAY_MS, to: now + 60 * DAY_MS });
    const stranger = issue({ names: ['localhost'], from: now - DAY_MS, to: now + 60 * DAY_MS });
    expect(certificateVerdict({ certificate: x509(served), host: 'localhost', source: 'files', privateKeyPem: served.keyPem }).status).toBe('ok');
    const result = certificateVerdict({ certificate: x509(served), host: 'localhost', source: 'files', privateKeyPem: stranger.keyPem });
    expect([result.status, result.code, result.variable]).toEqual(['fail', 'key_mismatch', 'TLS_KEY_FILE']);
  });

  it("fails a sandbox certificate that another CA signed", () => {
    const ca = issue({ names: ['Test CA'], from: now - DAY_MS, to: now + 3650 * DAY_MS, ca: true });
    const otherCa = issue({ names: ['Other CA'], from: now - DAY_MS, to: now + 3650 * DAY_MS, ca: true });
    const leaf = issue({ names: ['localhost'], from: now - DAY_MS, to: now + 300 * DAY_MS, issuer: ca });
    expect(certificateVerdict({ certificate: x509(leaf), host: 'localhost', source: 'sandbox', issuer: x509(ca) }).status).toBe('ok');
    expect(certificateVerdict({ certificate: x509(leaf), host: 'localhost', source: 'sandbox', issuer: x509(otherCa) }).code).toBe('wrong_issuer');
  });
});

describe('the TLS certificate check on TLS_CERT_FILE and TLS_KEY_FILE', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-doctor-tls-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const configWith = (cert: string, key: string) => parseConfig({ NODE_ENV: 'test', DATA_DIR: dir, TLS_CERT_FILE: cert, TLS_KEY_FILE: key, PUBLIC_ORIGIN: 'https://localhost:3000' });

  it('reads the files: an expired certificate fails, a missing key file fails naming TLS_KEY_FILE', async () => {
    const expired = issue({ names: ['localhost'], from: now - 30 * DAY_MS, to: now - DAY_MS });
    fs.writeFileSync(path.join(dir, 'cert.pem'), expired.certPem);
    fs.writeFileSync(path.join(dir, 'key.pem'), expired.keyPem, { mode: 0o600 });
    expect((await checkTls(configWith(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')), undefined))?.code).toBe('expired');
    const missing = await checkTls(configWith(path.join(dir, 'cert.pem'), path.join(dir, 'nope.pem')), undefined);
    expect([missing?.status, missing?.code, missing?.variable]).toEqual(['fail', 'unreadable', 'TLS_KEY_FILE']);
  });

  it('warns when the key file is readable by every account', async () => {
    const good = issue({ names: ['localhost'], from: now - DAY_MS, to: now + 60 * DAY_MS });
    fs.writeFileSync(path.join(dir, 'cert.pem'), good.certPem);
    fs.writeFileSync(path.join(dir, 'key.pem'), good.keyPem, { mode: 0o600 });
    fs.chmodSync(path.join(dir, 'key.pem'), 0o600);
    const config = configWith(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'));
    expect((await checkTls(config, undefined))?.status).toBe('ok');
    fs.chmodSync(path.join(dir, 'key.pem'), 0o644);
    const open = await checkTls(config, undefined);
    expect([open?.status, open?.code, open?.variable]).toEqual(['warn', 'key_readable', 'TLS_KEY_FILE']);
  });
});
