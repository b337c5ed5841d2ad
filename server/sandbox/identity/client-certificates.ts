import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { serialNumber } from '../tls-ca';

/**
 * Certificate credentials of an app registration (Entra's keyCredentials): the public certificates whose keys
 * may sign the app's client assertions, found by thumbprint as Entra finds them (the assertion's `x5t` or
 * `x5t#S256` header). Also makes and keeps the sandbox app's own client certificate.
 */

/** The sandbox app's certificate lives two years, like a certificate an admin would upload. */
const CLIENT_CERT_VALIDITY_DAYS = 730;
/** Make a new one this long before it expires, so a long-lived data folder never hands out an expired one. */
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Entra takes RSA keys of 2048 bits or more for certificate credentials. */
const MIN_RSA_BITS = 2048;

export interface KeyCredential {
  /** The certificate alone, PEM. */
  certificatePem: string;
  /** SHA-1 of the DER, upper-case hex: what the portal shows as the thumbprint. */
  thumbprint: string;
  /** SHA-256 of the DER, lower-case hex (msal-node's `thumbprintSha256`). */
  thumbprintSha256: string;
  /** base64url of the same hashes: the `x5t` and `x5t#S256` headers of an assertion signed with it. */
  x5t: string;
  x5tS256: string;
  publicKey: crypto.KeyObject;
  notBefore: number;
  notAfter: number;
}

export class CertificateError extends Error {
  constructor(
    readonly code: 'InvalidCertificate' | 'UnsupportedKeyType',
    message: string,
  ) {
    super(message);
  }
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/;

/** Reads the first certificate of a PEM text (a private key beside it is ignored: Entra keeps public keys only). */
export function parseKeyCredential(pem: string): KeyCredential {
  const block = CERT_BLOCK.exec(pem)?.[0];
  if (!block) throw new CertificateError('InvalidCertificate', 'Send the certificate as PEM (-----BEGIN CERTIFICATE-----).');
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(block);
  } catch {
    throw new CertificateError('InvalidCertificate', 'The certificate could not be read.');
  }
  const publicKey = cert.publicKey;
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (publicKey.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new CertificateError('UnsupportedKeyType', `Certificate credentials need an RSA key of at least ${MIN_RSA_BITS} bits.`);
  }
  const sha1 = crypto.createHash('sha1').update(cert.raw).digest();
  const sha256 = crypto.createHash('sha256').update(cert.raw).digest();
  return {
    certificatePem: `${block}\n`,
    thumbprint: sha1.toString('hex').toUpperCase(),
    thumbprintSha256: sha256.toString('hex'),
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
    publicKey,
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
  };
}

/** The keyCredentials of one app, keyed by SHA-256 thumbprint. */
export class KeyCredentials {
  private readonly byS256 = new Map<string, KeyCredential>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  /** Adds a certificate; false when it was registered already (the same thumbprint). */
  add(credential: KeyCredential): boolean {
    const key = credential.thumbprintSha256.toLowerCase();
    if (this.byS256.has(key)) return false;
    this.byS256.set(key, credential);
    this.onChange();
    return true;
  }

  remove(thumbprintSha256: string): boolean {
    const removed = this.byS256.delete(thumbprintSha256.toLowerCase());
    if (removed) this.onChange();
    return removed;
  }

  /** The credential an assertion header names: `x5t#S256` first, else the SHA-1 `x5t`. */
  byHeader(x5tS256: string | undefined, x5t: string | undefined): KeyCredential | undefined {
    for (const c of this.byS256.values()) {
      if (x5tS256 !== undefined ? c.x5tS256 === x5tS256 : x5t !== undefined && c.x5t === x5t) return c;
    }
    return undefined;
  }

  all(): KeyCredential[] {
    return [...this.byS256.values()];
  }
}

export interface ClientCertificate {
  /** Private key (PKCS#8) and certificate, PEM, in one text: the form a certificate file for msal-node takes. */
  pem: string;
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * A self-signed client certificate with a fresh RSA key (node:crypto makes the key: node-forge's pure-JS keygen
 * takes seconds). `notBefore` / `notAfter` let a test make one that has expired or is not valid yet.
 */
export function generateClientCertificate(options: { commonName?: string; notBefore?: Date; notAfter?: Date } = {}): ClientCertificate {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + CLIENT_CERT_VALIDITY_DAYS * DAY_MS);
  const subject = [{ name: 'commonName', value: options.commonName ?? 'Relaydesk sandbox app' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  return { pem: `${privateKeyPem.trim()}\n${certificatePem.trim()}\n`, certificatePem, privateKeyPem };
}

/**
 * The sandbox app's client certificate, kept in `file` (owner-only: it holds the private key) and reused while it
 * has more than 30 days left. `created` tells the caller to register the new certificate on the app.
 */
export function ensureClientCertificate(file: string): ClientCertificate & { created: boolean } {
  if (fs.existsSync(file)) {
    const pem = fs.readFileSync(file, 'utf8');
    const certificatePem = CERT_BLOCK.exec(pem)?.[0];
    const privateKeyPem = KEY_BLOCK.exec(pem)?.[0];
    if (certificatePem && privateKeyPem && stillGood(certificatePem, privateKeyPem)) {
      fs.chmodSync(file, 0o600);
      return { pem, certificatePem: `${certificatePem}\n`, privateKeyPem: `${privateKeyPem}\n`, created: false };
    }
  }
  const fresh = generateClientCertificate();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fresh.pem, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { ...fresh, created: true };
}

function stillGood(certificatePem: string, privateKeyPem: string): boolean {
  try {
    const cert = new crypto.X509Certificate(certificatePem);
    const key = crypto.createPrivateKey(privateKeyPem);
    return cert.checkPrivateKey(key) && Date.now() < Date.parse(cert.validTo) - RENEW_BEFORE_DAYS * DAY_MS;
  } catch {
    return false;
  }
}
