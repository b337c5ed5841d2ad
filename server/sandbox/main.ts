import path from 'node:path';
import pino from 'pino';
import { startSandbox } from './index';

/**
 * `npm run sandbox`: the sandbox alone, seeded with the demo tenant. SANDBOX_PORT (default 3443) and DATA_DIR
 * (default ./data) choose where it listens and keeps its CA; SANDBOX_DEMO_MAIL=off stops the demo mail trickle.
 */
async function main(): Promise<void> {
  const rawPort = process.env['SANDBOX_PORT'] ?? '3443';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`SANDBOX_PORT must be a port number, got '${rawPort}'\n`);
    process.exit(1);
  }
  const dataDir = path.resolve(process.env['DATA_DIR'] ?? './data');
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info' });
  const demoMail = !['off', '0', 'false', 'no'].includes((process.env['SANDBOX_DEMO_MAIL'] ?? 'on').toLowerCase());
  const sandbox = await startSandbox({ port, host: process.env['SANDBOX_HOST'] ?? '127.0.0.1', dataDir, seedDemo: true, demoMail, logger });

  const lines = [
    `Relaydesk Exchange Online sandbox: ${sandbox.baseUrl}`,
    `  Graph:       ${sandbox.graphBaseUrl}`,
    `  Authority:   ${sandbox.authority}   (MSAL knownAuthorities: ["${new URL(sandbox.baseUrl).host}"])`,
    `  Client id:   ${sandbox.app.clientId}`,
    `  Secret:      ${sandbox.app.clientSecret}`,
    `  Certificate: ${sandbox.app.clientCertificatePath}   (key + certificate, PEM, registered on the app)`,
    `  API scope:   ${sandbox.app.apiScope}`,
    `  CA:          ${sandbox.caCertPath}   (trust it: NODE_EXTRA_CA_CERTS=${sandbox.caCertPath}; see server/sandbox/README.md)`,
    `  CA SPKI:     ${sandbox.caSpkiSha256}   (Chromium: --ignore-certificate-errors-spki-list=${sandbox.caSpkiSha256})`,
    `  Control API: ${sandbox.baseUrl}/sandbox/`,
    `  Demo users:  admin@contoso.test (Relaydesk.Admin), alex@contoso.test, lynne@contoso.test (Relaydesk.Agent); mailbox support@contoso.test`,
    `  Demo mail:   ${demoMail ? 'on (SANDBOX_DEMO_MAIL=off to stop it)' : 'off'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
