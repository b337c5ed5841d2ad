import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { MicrosoftConfig } from '../config';
import type { AppCredentialInfo } from '../mailboxes/credential-health';

/**
 * What is known of when the app's own credential expires, read once at start: a client secret's expiry as
 * configured (Entra does not tell the app), a certificate's notAfter from the PEM file MSAL signs with.
 */
export function appCredentialInfo(microsoft: MicrosoftConfig): AppCredentialInfo {
  if (microsoft.mode === 'sandbox') return { kind: 'sandbox', expiresAt: null };
  if (microsoft.credential.kind === 'secret') return { kind: 'secret', expiresAt: microsoft.credential.expiresAt };
  const pem = fs.readFileSync(microsoft.credential.path, 'utf8');
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  // entraApp refuses a file without a certificate before this is asked; no certificate means no known expiry.
  if (!certificate) return { kind: 'certificate', expiresAt: null };
  return { kind: 'certificate', expiresAt: new Date(new X509Certificate(certificate).validTo).toISOString() };
}
