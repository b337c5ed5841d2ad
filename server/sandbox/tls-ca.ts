import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/** The CA lives for ten years so that a browser or OS that was told to trust it keeps trusting it. */
const CA_VALIDITY_DAYS = 3650;
/** Browsers refuse leaf certificates valid for more than 398 days. */
const LEAF_VALIDITY_DAYS = 397;
/** Reissue the leaf this long before it expires, so a long-running demo never serves an expired one. */
const LEAF_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** id-ce-nameConstraints (RFC 5280 4.2.1.10). */
const NAME_CONSTRAINTS_OID = '2.5.29.30';

export interface SandboxTls {
  caCertPem: string;
  caCertPath: string;
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo, for Chromium's --ignore-certificate-errors-spki-list. */
  caSpkiSha256: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** `replaced`: the CA in the folder lacked the name constraints and was issued anew (trust the new one). */
  caStatus: 'created' | 'reused' | 'replaced';
}

const FILES = {
  caCert: 'ca.pem',
  caKey: 'ca-key.pem',
  leafCert: 'localhost.pem',
  leafKey: 'localhost-key.pem',
} as const;

/**
 * Returns the sandbox CA kept in `dir` (creating it once) and a `localhost` server certificate signed by it.
 * The CA is reused across runs so that whatever was told to trust it (a browser profile, NODE_EXTRA_CA_CERTS)
 * keeps working; the leaf is reissued when missing, near expiry or not signed by the current CA.
 */
export function ensureSandboxTls(dir: string): SandboxTls {
  // Whoever reads the CA key can mint certificates that whatever trusts the CA accepts for any host.
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const caCertPath = path.join(dir, FILES.caCert);
  const caKeyPath = path.join(dir, FILES.caKey);
  let caCertPem: string | undefined;
  let caKeyPem: string | undefined;
  let caStatus: SandboxTls['caStatus'] = 'created';
  if (fs.existsSync(caCertPath) && fs.existsSync(caKeyPath)) {
    const pem = fs.readFileSync(caCertPath, 'utf8');
    // A CA from before the name constraints could sign a certificate for any site: replace it.
    if (hasOurNameConstraints(pem)) {
      caCertPem = pem;
      caKeyPem = fs.readFileSync(caKeyPath, 'utf8');
      fs.chmodSync(caKeyPath, 0o600); // written by an older version, perhaps with the umask's mode
      caStatus = 'reused';
    } else {
      caStatus = 'replaced';
    }
  }
  if (!caCertPem || !caKeyPem) {
    ({ certPem: caCertPem, keyPem: caKeyPem } = createCa());
    writePrivate(caKeyPath, caKeyPem);
    fs.writeFileSync(caCertPath, caCertPem);
  }

  const leafCertPath = path.join(dir, FILES.leafCert);
  const leafKeyPath = path.join(dir, FILES.leafKey);
  let serverCertPem: string | undefined;
  let serverKeyPem: string | undefined;
  if (fs.existsSync(leafCertPath) && fs.existsSync(leafKeyPath)) {
    const pem = fs.readFileSync(leafCertPath, 'utf8');
    if (leafStillGood(pem, caCertPem)) {
      serverCertPem = pem;
      serverKeyPem = fs.readFileSync(leafKeyPath, 'utf8');
    }
  }
  if (!serverCertPem || !serverKeyPem) {
    ({ certPem: serverCertPem, keyPem: serverKeyPem } = createLeaf(caCertPem, caKeyPem));
    writePrivate(leafKeyPath, serverKeyPem);
    fs.writeFileSync(leafCertPath, serverCertPem);
  }

  return { caCertPem, caCertPath, caSpkiSha256: spkiSha256(caCertPem), serverCertPem, serverKeyPem, caStatus };
}

/** Owner-only whatever the umask, and also when the file already existed (writeFileSync keeps its mode). */
function writePrivate(file: string, pem: string): void {
  fs.writeFileSync(file, pem, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** node:crypto makes RSA keys natively (milliseconds); node-forge's pure-JS keygen takes seconds. */
function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

export function serialNumber(): string {
  // A positive, minimally encoded DER integer: top bit clear (not negative) and a first byte that is not zero
  // (a leading zero before a byte under 0x80 is padding that OpenSSL refuses).
  const bytes = crypto.randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) || 0x01;
  return bytes.toString('hex');
}

function createCa(): { certPem: string; keyPem: string } {
  const { privateKey, publicKey, keyPem } = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + CA_VALIDITY_DAYS * DAY_MS);
  const subject = [
    { name: 'commonName', value: 'Relaydesk Sandbox Local CA' },
    { name: 'organizationName', value: 'Relaydesk Sandbox' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    // Whoever trusts this CA trusts it for local names only: even with its key, nobody can intercept other sites.
    { id: NAME_CONSTRAINTS_OID, critical: true, value: nameConstraintsDer() },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

function createLeaf(caCertPem: string, caKeyPem: string): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const { publicKey, keyPem } = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + LEAF_VALIDITY_DAYS * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * NameConstraints permitting only DNS `localhost` (and its subdomains), `.localhost`, and the loopback addresses
 * 127.0.0.1/32 and ::1/128, as DER. node-forge reads this extension but cannot build it, hence raw ASN.1.
 */
function nameConstraintsDer(): string {
  const { asn1 } = forge;
  const tagged = (tag: number, value: string) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, value);
  const subtree = (base: forge.asn1.Asn1) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [base]);
  const bytes = (...octets: number[]) => String.fromCharCode(...octets);
  const dns = (name: string) => subtree(tagged(2, name));
  // iPAddress constraints are the address followed by its mask.
  const ip = (address: number[], mask: number[]) => subtree(tagged(7, bytes(...address, ...mask)));
  const ipv6Loopback = [...Array<number>(15).fill(0), 1];
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
    dns('localhost'),
    dns('.localhost'),
    ip([127, 0, 0, 1], [255, 255, 255, 255]),
    ip(ipv6Loopback, Array<number>(16).fill(255)),
  ]);
  return asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted])).getBytes();
}

/** Whether the CA carries exactly our critical name constraints. */
function hasOurNameConstraints(caPem: string): boolean {
  try {
    const extensions = forge.pki.certificateFromPem(caPem).extensions as { id?: string; critical?: boolean; value?: unknown }[];
    const extension = extensions.find((e) => e.id === NAME_CONSTRAINTS_OID);
    return extension?.critical === true && extension.value === nameConstraintsDer();
  } catch {
    return false;
  }
}

function leafStillGood(leafPem: string, caPem: string): boolean {
  try {
    const leaf = new crypto.X509Certificate(leafPem);
    const ca = new crypto.X509Certificate(caPem);
    const renewAt = new Date(leaf.validTo).getTime() - LEAF_RENEW_BEFORE_DAYS * DAY_MS;
    return leaf.verify(ca.publicKey) && Date.now() < renewAt;
  } catch {
    return false;
  }
}

function spkiSha256(certPem: string): string {
  const spki = new crypto.X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}
