import { ConfigError, parseConfig, type Config } from '../config';
import { parseVaultKey } from '../identity/token-vault';
import { fail, ok, warn, type CheckResult } from './check-result';

const CHECK = 'configuration';
const KEY_COMMAND = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

/** Fixes worth more than "correct it": where the value comes from, or how to make one. */
const HINTS: Readonly<Record<string, string>> = {
  PORT: 'Set PORT to a port number (0-65535), or unset it for 3000.',
  SANDBOX_PORT: 'Set SANDBOX_PORT to a port number (0-65535), or unset it for 3443.',
  METRICS_PORT: 'Set METRICS_PORT to a port number (0-65535), or unset it to serve no metrics.',
  RELAYDESK_SECRET_KEY: `Set RELAYDESK_SECRET_KEY to 32 random bytes, base64 or hex (${KEY_COMMAND}), and keep a copy: it opens every mailbox's tokens.`,
  RELAYDESK_PREVIOUS_SECRET_KEYS: 'List only the earlier RELAYDESK_SECRET_KEY values, comma-separated, each 32 bytes in base64 or hex.',
  MICROSOFT_CLIENT_ID: "Set MICROSOFT_CLIENT_ID to the app registration's Application (client) ID (Entra admin center > App registrations > Overview).",
  MICROSOFT_CLIENT_SECRET: "Set MICROSOFT_CLIENT_SECRET to a client secret's Value (not its Secret ID), or MICROSOFT_CLIENT_CERTIFICATE_PATH to the app's certificate and key.",
  AUTH_TENANT_ID: 'Set AUTH_TENANT_ID to your Directory (tenant) ID (Entra admin center > Overview), or a comma-separated list of them.',
  TLS_CERT_FILE: 'Set TLS_CERT_FILE and TLS_KEY_FILE together (PEM certificate chain and its key), or neither.',
  TLS_KEY_FILE: 'Set TLS_CERT_FILE and TLS_KEY_FILE together (PEM certificate chain and its key), or neither.',
};

function fixFor(variable: string): string {
  return HINTS[variable] ?? `Correct ${variable} in the environment or .env (README.md, "Configuration", lists every variable).`;
}

/**
 * The configuration as the server reads it at start (parseConfig), with each invalid variable as a failed row
 * instead of the server's exit 78; and the key the server would only parse later, at its first token.
 */
export function checkConfig(env: NodeJS.ProcessEnv): { config: Config | undefined; results: CheckResult[] } {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: undefined, results: error.problems.map((p) => fail(CHECK, 'invalid_variable', `${p.variable}: ${p.message}`, fixFor(p.variable), p.variable)) };
  }
  const results: CheckResult[] = [];
  if (config.secretKeys) {
    for (const [variable, keys] of [
      ['RELAYDESK_SECRET_KEY', [config.secretKeys.current]],
      ['RELAYDESK_PREVIOUS_SECRET_KEYS', config.secretKeys.previous],
    ] as const) {
      for (const key of keys) {
        try {
          parseVaultKey(key);
        } catch {
          results.push(fail(CHECK, 'invalid_secret_key', `${variable}: not 32 bytes in base64 or hex`, fixFor(variable), variable));
        }
      }
    }
  } else if (config.microsoft.mode === 'entra') {
    results.push(
      warn(
        CHECK,
        'generated_secret_key',
        `RELAYDESK_SECRET_KEY is not set: real mailboxes' tokens are sealed with a key generated into ${config.dataDir}/secret.key, lost with that folder`,
        `Set RELAYDESK_SECRET_KEY (${KEY_COMMAND}) before linking mailboxes; it is required with NODE_ENV=production.`,
        'RELAYDESK_SECRET_KEY',
      ),
    );
  }
  if (results.length === 0) results.push(ok(CHECK, summary(config)));
  return { config, results };
}

function summary(config: Config): string {
  const microsoft = config.microsoft.mode === 'entra' ? `Microsoft app ${config.microsoft.clientId} (tenant ${config.microsoft.tenant})` : 'sandbox mode (no MICROSOFT_CLIENT_ID)';
  const database = config.database.kind === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  return `valid: ${microsoft}; ${database}; PUBLIC_ORIGIN ${config.publicOrigin}; NODE_ENV ${config.env}`;
}
