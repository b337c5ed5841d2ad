import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { ConfigError, parseConfig, type MicrosoftConfig } from '../../../server/config';
import { appCredentialInfo } from '../../../server/identity/app-credential';

/** When the app's own credential expires: a secret's as configured (validated), a certificate's from its PEM. */

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
};

describe('MICROSOFT_CLIENT_SECRET_EXPIRES_AT', () => {
  const entra = { MICROSOFT_CLIENT_ID: 'app-id', MICROSOFT_CLIENT_SECRET: 's' };

  it('takes an ISO date or date-time and gives the secret its expiry', () => {
    expect(appCredentialInfo(parseConfig({ ...entra, MICROSOFT_CLIENT_SECRET_EXPIRES_AT: '2027-03-31' }).microsoft)).toEqual({ kind: 'secret', expiresAt: '2027-03-31T00:00:00.000Z' });
    expect(appCredentialInfo(parseConfig({ ...entra, MICROSOFT_CLIENT_SECRET_EXPIRES_AT: '2027-03-31T12:00:00+02:00' }).microsoft)).toEqual({ kind: 'secret', expiresAt: '2027-03-31T10:00:00.000Z' });
    expect(appCredentialInfo(parseConfig(entra).microsoft)).toEqual({ kind: 'secret', expiresAt: null });
  });

  it.each(['31/03/2027', 'next year', '2027-13-01', '1700000000'])('refuses %s at start', (value) => {
    expect(problemsOf({ ...entra, MICROSOFT_CLIENT_SECRET_EXPIRES_AT: value })).toEqual(['MICROSOFT_CLIENT_SECRET_EXPIRES_AT']);
  });

  it('knows the sandbox credential never expires', () => {
    expect(appCredentialInfo(parseConfig({}).microsoft)).toEqual({ kind: 'sandbox', expiresAt: null });
  });
});

describe('a certificate', () => {
  it("reads its notAfter from the PEM file MSAL signs with", () => {
    const keys = forge.pki.rsa.generateKeyPair(1024);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
    cert.validity.notAfter = new Date('2027-06-30T12:00:00Z');
    cert.setSubject([{ name: 'commonName', value: 'relaydesk-app' }]);
    cert.setIssuer([{ name: 'commonName', value: 'relaydesk-app' }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-cert-'));
    const file = path.join(dir, 'app.pem');
    fs.writeFileSync(file, forge.pki.privateKeyToPem(keys.privateKey) + forge.pki.certificateToPem(cert));
    try {
      const microsoft: MicrosoftConfig = { mode: 'entra', clientId: 'app-id', credential: { kind: 'certificate', path: file }, tenant: 'organizations', authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com/v1.0' };
      expect(appCredentialInfo(microsoft)).toEqual({ kind: 'certificate', expiresAt: '2027-06-30T12:00:00.000Z' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
