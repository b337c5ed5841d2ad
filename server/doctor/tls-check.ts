import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { Config } from '../config';
import { describeError, fail, ok, warn, type CheckResult } from './check-result';
import type { MicrosoftTarget } from './microsoft-target';
import { httpGet, ProbeError } from './probe';

const CHECK = 'TLS certificate';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Automated renewal (ACME clients renew with 30 days left) has had two weeks to work by then: someone should look. */
export const CERTIFICATE_WARN_DAYS = 14;

/** Where the certificate comes from, which decides the fix. */
export type CertificateSource = 'files' | 'sandbox' | 'proxy';

export interface CertificateInput {
  certificate: X509Certificate;
  /** PUBLIC_ORIGIN's host name (or address), which browsers and Microsoft will ask for. */
  host: string;
  source: CertificateSource;
  /** The CA that must have signed it (the sandbox's). */
  issuer?: X509Certificate;
  /** The key served with it (TLS_KEY_FILE). */
  privateKeyPem?: string;
  now?: number;
}

const RENEW: Record<CertificateSource, { fix: string; variable: string }> = {
  files: { fix: 'Renew the certificate, put the new chain at TLS_CERT_FILE and its key at TLS_KEY_FILE, and restart the server.', variable: 'TLS_CERT_FILE' },
  sandbox: { fix: "Restart the server: the sandbox issues a new localhost certificate when its own is near expiry.", variable: 'DATA_DIR' },
  proxy: { fix: "Renew the certificate of the TLS proxy in front of Relaydesk.", variable: 'PUBLIC_ORIGIN' },
};

/** The verdict on a certificate Relaydesk serves (or its proxy does): dates, names, issuer, key. */
export function certificateVerdict(input: CertificateInput): CheckResult {
  const { certificate, host, source } = input;
  const now = input.now ?? Date.now();
  const validFrom = Date.parse(certificate.validFrom);
  const validTo = Date.parse(certificate.validTo);
  const names = certificate.subjectAltName ?? certificate.subject;
  const renew = RENEW[source];
  if (now < validFrom) return fail(CHECK, 'not_yet_valid', `not valid before ${iso(validFrom)} (is this machine's clock right?)`, renew.fix, renew.variable);
  if (now >= validTo) return fail(CHECK, 'expired', `expired on ${iso(validTo)} (${names})`, renew.fix, renew.variable);
  const matches = net.isIP(host) ? certificate.checkIP(host) !== undefined : certificate.checkHost(host) !== undefined;
  if (!matches) {
    const fix =
      source === 'sandbox'
        ? `The sandbox's certificate covers only localhost: use PUBLIC_ORIGIN on localhost, or serve ${host} with a certificate of its own (TLS_CERT_FILE, TLS_KEY_FILE).`
        : source === 'files'
          ? `Get a certificate for ${host} (or correct PUBLIC_ORIGIN to a name the certificate has).`
          : `Give the proxy a certificate for ${host} (or correct PUBLIC_ORIGIN).`;
    return fail(CHECK, 'name_mismatch', `issued for ${names}, not for ${host} (PUBLIC_ORIGIN)`, fix, 'PUBLIC_ORIGIN');
  }
  if (input.issuer && !certificate.verify(input.issuer.publicKey)) {
    return fail(CHECK, 'wrong_issuer', `not signed by the sandbox CA ${input.issuer.subject.replace(/\n/g, ', ')}`, renew.fix, renew.variable);
  }
  if (input.privateKeyPem !== undefined && !keyMatches(certificate, input.privateKeyPem)) {
    return fail(CHECK, 'key_mismatch', 'TLS_KEY_FILE holds a key that does not belong to the certificate in TLS_CERT_FILE', 'Point TLS_KEY_FILE at the private key the certificate was issued for.', 'TLS_KEY_FILE');
  }
  const daysLeft = Math.floor((validTo - now) / DAY_MS);
  const what = `${sourceName(source)} for ${host} (${names}), valid until ${iso(validTo)}`;
  if (daysLeft < CERTIFICATE_WARN_DAYS) return warn(CHECK, 'expiring', `${what}: ${daysLeft} day(s) left`, renew.fix, renew.variable);
  return ok(CHECK, `${what} (${daysLeft} days left)`);
}

/** The certificate this configuration serves HTTPS with, checked against PUBLIC_ORIGIN's host. */
export async function checkTls(config: Pick<Config, 'tls' | 'publicOrigin'>, target: MicrosoftTarget | undefined): Promise<CheckResult | undefined> {
  const origin = new URL(config.publicOrigin);
  const host = origin.hostname.replace(/^\[|\]$/g, '');
  if (config.tls.kind === 'sandbox') {
    // The sandbox check already failed when there is none: nothing more to say here.
    if (!target?.sandboxTls) return undefined;
    return certificateVerdict({ certificate: target.sandboxTls.certificate, host, source: 'sandbox', issuer: new X509Certificate(target.sandboxTls.caPem) });
  }
  if (config.tls.kind === 'files') {
    let certPem: string;
    let keyPem: string;
    try {
      certPem = fs.readFileSync(config.tls.certFile, 'utf8');
    } catch (error) {
      return fail(CHECK, 'unreadable', `TLS_CERT_FILE ${config.tls.certFile}: ${describeError(error)}`, 'Point TLS_CERT_FILE at a PEM certificate chain readable by the service account.', 'TLS_CERT_FILE');
    }
    try {
      keyPem = fs.readFileSync(config.tls.keyFile, 'utf8');
    } catch (error) {
      return fail(CHECK, 'unreadable', `TLS_KEY_FILE ${config.tls.keyFile}: ${describeError(error)}`, 'Point TLS_KEY_FILE at the PEM private key, readable by the service account.', 'TLS_KEY_FILE');
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certPem);
    } catch (error) {
      return fail(CHECK, 'unreadable', `TLS_CERT_FILE ${config.tls.certFile} holds no readable certificate: ${describeError(error)}`, 'Point TLS_CERT_FILE at a PEM certificate chain (server certificate first).', 'TLS_CERT_FILE');
    }
    const result = certificateVerdict({ certificate, host, source: 'files', privateKeyPem: keyPem });
    // Group-readable is the usual ssl-cert arrangement; readable by every account is not.
    if (result.status === 'ok' && (fs.statSync(config.tls.keyFile).mode & 0o004) !== 0) {
      return warn(CHECK, 'key_readable', `${result.detail}; but TLS_KEY_FILE ${config.tls.keyFile} is readable by every account`, `chmod 600 ${config.tls.keyFile} (or 640 with a group the service account is in).`, 'TLS_KEY_FILE');
    }
    return result;
  }
  if (origin.protocol !== 'https:') {
    return warn(
      CHECK,
      'plain_http',
      `no certificate: PUBLIC_ORIGIN ${config.publicOrigin} is plain http, but Outlook loads add-ins and Microsoft sends change notifications only over https`,
      'Put Relaydesk behind a TLS proxy and set PUBLIC_ORIGIN to its https URL, or set TLS_CERT_FILE and TLS_KEY_FILE.',
      'PUBLIC_ORIGIN',
    );
  }
  // TLS ends at a proxy: what browsers see is its certificate, if this machine can reach it.
  try {
    const answer = await httpGet(`${config.publicOrigin}/healthz`);
    if (!answer.certificate) return warn(CHECK, 'no_certificate', `${config.publicOrigin} presented no certificate`, 'Check the TLS proxy in front of Relaydesk.', 'PUBLIC_ORIGIN');
    return certificateVerdict({ certificate: answer.certificate, host, source: 'proxy' });
  } catch (error) {
    if (error instanceof ProbeError && error.stage === 'tls') {
      return fail(CHECK, 'untrusted', `the certificate at ${config.publicOrigin} is refused: ${error.message}`, 'Give the TLS proxy a certificate from a public CA for this name, with its intermediate certificates.', 'PUBLIC_ORIGIN');
    }
    return warn(CHECK, 'unreachable', `could not read the certificate at ${config.publicOrigin}: ${describeError(error)}`, 'Run the doctor where PUBLIC_ORIGIN resolves and the TLS proxy is up, or check the proxy.', 'PUBLIC_ORIGIN');
  }
}

function keyMatches(certificate: X509Certificate, keyPem: string): boolean {
  try {
    return certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function sourceName(source: CertificateSource): string {
  return source === 'files' ? 'TLS_CERT_FILE' : source === 'sandbox' ? "the sandbox CA's localhost certificate" : "the proxy's certificate";
}

const iso = (ms: number): string => new Date(ms).toISOString();
