import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { SENDER_BLOCK_MS } from './inbound/sender-burst-policy';
import { authorityTenant, isHttpsOn, MICROSOFT_AUTHORITY_HOSTS, MICROSOFT_GRAPH_HOSTS, MULTI_TENANT_SEGMENTS } from './identity/microsoft-hosts';

/**
 * The one configuration object, parsed from the environment once at start. Every variable is documented in
 * README.md; keep the two in step. A `.env` file in the working directory is honoured, but real environment
 * variables win over it.
 */

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());
const port = z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be a port number (0-65535)').min(0).max(65535);
const GUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;
const positiveInt = z.coerce.number({ error: 'must be a positive whole number' }).int('must be a positive whole number').positive();

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.preprocess(emptyAsUndefined, port.default(3000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  SHUTDOWN_TIMEOUT_MS: z.preprocess(emptyAsUndefined, positiveInt.default(10_000)),
  AUTH_AUTHORITY: optionalUrl,
  AUTH_AUDIENCE: optionalString,
  AUTH_TENANT_ID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => tenantList(v).length > 0 && tenantList(v).every((t) => GUID.test(t)), 'must be a tenant id (GUID) or a comma-separated list of them')
      .optional(),
  ),
  ALLOW_CUSTOM_IDENTITY_HOST: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
  PUBLIC_ORIGIN: optionalUrl,
  TLS_CERT_FILE: optionalString,
  TLS_KEY_FILE: optionalString,
  OAUTH_REDIRECT_URI: optionalUrl,
  MICROSOFT_CLIENT_ID: optionalString,
  MICROSOFT_CLIENT_SECRET: optionalString,
  MICROSOFT_CLIENT_CERTIFICATE_PATH: optionalString,
  // When the client secret expires (Entra shows it; nothing can read it): the admins are warned ahead of it.
  MICROSOFT_CLIENT_SECRET_EXPIRES_AT: z.preprocess(emptyAsUndefined, z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO-8601 date (2027-03-31) or date-time' }).optional()),
  MICROSOFT_TENANT: z.preprocess(emptyAsUndefined, z.string().default('organizations')),
  // How the pane (and an API request that does not say) links a mailbox: the mailbox's own consent, or the
  // app's application permissions (shared mailboxes). Each mailbox keeps the mode it was linked with.
  MICROSOFT_AUTH_MODE: z.preprocess(emptyAsUndefined, z.enum(['delegated', 'application']).default('delegated')),
  MICROSOFT_AUTHORITY_HOST: z.preprocess(emptyAsUndefined, z.url().default('https://login.microsoftonline.com')),
  MICROSOFT_GRAPH_URL: z.preprocess(emptyAsUndefined, z.url().default('https://graph.microsoft.com/v1.0')),
  RELAYDESK_SECRET_KEY: optionalString,
  RELAYDESK_PREVIOUS_SECRET_KEYS: optionalString,
  INSTANCE_ID: optionalString,
  RELAY_UNKNOWN_OUTCOME_SETTLE_MS: z.preprocess(emptyAsUndefined, positiveInt.default(120_000)),
  RELAY_MESSAGES_PER_MINUTE: z.preprocess(emptyAsUndefined, positiveInt.default(30)),
  RELAY_RECIPIENTS_PER_DAY: z.preprocess(emptyAsUndefined, positiveInt.default(10_000)),
  SYNC_INTERVAL_MS: z.preprocess(emptyAsUndefined, positiveInt.default(15_000)),
  SYNC_MAX_CONCURRENT: z.preprocess(emptyAsUndefined, positiveInt.default(8)),
  PUSH: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
  PUSH_CHECK_INTERVAL_MS: z.preprocess(emptyAsUndefined, positiveInt.default(300_000)),
  // Graph caps Outlook message subscriptions at 10,080 minutes; 4,230 is the lifetime every source agrees on.
  PUSH_SUBSCRIPTION_MINUTES: z.preprocess(emptyAsUndefined, positiveInt.max(10_080).default(4_230)),
  PUSH_DEBOUNCE_MS: z.preprocess(emptyAsUndefined, z.coerce.number({ error: 'must be a whole number of milliseconds' }).int('must be a whole number of milliseconds').min(0).max(60_000).default(1_000)),
  PUSH_RETRY_MS: z.preprocess(emptyAsUndefined, positiveInt.default(900_000)),
  PARSE_WORKERS: z.preprocess(emptyAsUndefined, positiveInt.max(64).optional()),
  PARSE_DEADLINE_MS: z.preprocess(emptyAsUndefined, positiveInt.default(15_000)),
  PARSE_WORKER_HEAP_MB: z.preprocess(emptyAsUndefined, positiveInt.min(64).default(512)),
  SENDER_BLOCK_MINUTES: z.preprocess(emptyAsUndefined, positiveInt.default(SENDER_BLOCK_MS / 60_000)),
  MESSAGE_ID_DOMAIN: z.preprocess(emptyAsUndefined, z.string().regex(/^[a-z0-9.-]+$/i, 'must be a domain name').optional()),
  ADDIN_DIR: z.preprocess(emptyAsUndefined, z.string().default('./dist/addin')),
  OFFICE_JS_URL: z.preprocess(emptyAsUndefined, z.url().default('https://appsforoffice.microsoft.com/lib/1/hosted/office.js')),
  SANDBOX_PORT: z.preprocess(emptyAsUndefined, port.default(3443)),
  SANDBOX_DEMO_MAIL: z.preprocess(emptyAsUndefined, z.enum(['true', 'false', 'on', 'off']).default('on')),
  METRICS_PORT: z.preprocess(emptyAsUndefined, port.optional()),
  METRICS_HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
  API_RATE_LIMIT_PER_MINUTE: z.preprocess(emptyAsUndefined, positiveInt.default(600)),
  API_RATE_LIMIT_PER_IP_PER_MINUTE: z.preprocess(emptyAsUndefined, positiveInt.default(3000)),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly shutdownTimeoutMs: number;
  /** API caller authentication; in sandbox mode it is filled in from the sandbox once it runs. */
  readonly auth: { readonly authority: string; readonly audience: string; readonly tenantIds: readonly string[] } | undefined;
  /**
   * How this server speaks HTTPS (Office add-ins require it): certificate files, the sandbox's local CA in the
   * default setup, or not at all (`none`: behind a TLS-terminating proxy).
   */
  readonly tls: { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string } | { readonly kind: 'sandbox' } | { readonly kind: 'none' };
  /** Public origin of this server, as browsers and Microsoft's redirects reach it. */
  readonly publicOrigin: string;
  /** The link mode offered first (MICROSOFT_AUTH_MODE); each mailbox keeps the one it was linked with. */
  readonly mailboxLinkMode: 'delegated' | 'application';
  readonly redirectUri: string;
  /** Names this instance's leases on mailboxes and outgoing email; stable across restarts. */
  readonly instanceId: string;
  /** How long after a send that got no answer before the mailbox is trusted to show whether it went out. */
  readonly relayUnknownOutcomeSettleMs: number;
  /** Exchange Online's sending limits per mailbox, which the relay keeps to (messages a minute, recipients a day). */
  readonly relayPacing: { readonly messagesPerMinute: number; readonly recipientsPerDay: number };
  readonly sync: { readonly intervalMs: number; readonly maxConcurrent: number; readonly senderBlockMs: number };
  /**
   * Graph change notifications: on by default (they need an https PUBLIC_ORIGIN); with push on a mailbox is
   * still synced every `checkIntervalMs`, in case notifications were lost.
   */
  readonly push: { readonly enabled: boolean; readonly checkIntervalMs: number; readonly subscriptionMinutes: number; readonly debounceMs: number; readonly retryMs: number };
  /** The parse pool: worker threads (default: cores, at most 4), each parse's deadline, each worker's heap. */
  readonly parse: { readonly workers: number | undefined; readonly deadlineMs: number; readonly workerHeapMb: number };
  /** Domain of the Message-IDs on Relaydesk's outgoing mail (recognises our own mail coming back). */
  readonly messageIdDomain: string;
  /** The built Outlook add-in (webpack output) served under /addin/. */
  readonly addinDir: string;
  /** Where pages load office.js from (Microsoft's CDN by default). */
  readonly officeJsUrl: string;
  /** Prometheus /metrics on its own listener (it names every mailbox); undefined: not served at all. */
  readonly metrics: { readonly port: number; readonly host: string } | undefined;
  /** Requests per minute on /api, per verified caller and per client address. */
  readonly rateLimits: { readonly perUserPerMinute: number; readonly perIpPerMinute: number };
  /** The Microsoft app that mailboxes consent to, or the local Exchange Online sandbox when none is set. */
  readonly microsoft: MicrosoftConfig;
  /** Token vault keys as configured (base64 or hex); undefined means "generate one in the data folder". */
  readonly secretKeys: { readonly current: string; readonly previous: readonly string[] } | undefined;
}

export type MicrosoftConfig =
  | { readonly mode: 'sandbox'; readonly port: number; readonly demoMail: boolean }
  | {
      readonly mode: 'entra';
      readonly clientId: string;
      readonly credential: { readonly kind: 'secret'; readonly secret: string; readonly expiresAt: string | null } | { readonly kind: 'certificate'; readonly path: string };
      readonly tenant: string;
      readonly authorityHost: string;
      readonly graphBaseUrl: string;
    };

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and freezes the configuration; throws a ConfigError naming every bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const e = parsed.data;
  const problems: { variable: string; message: string }[] = [];
  if (e.AUTH_AUTHORITY && !e.AUTH_AUDIENCE) problems.push({ variable: 'AUTH_AUDIENCE', message: 'required when AUTH_AUTHORITY is set' });
  if (e.AUTH_AUDIENCE && !e.AUTH_AUTHORITY) problems.push({ variable: 'AUTH_AUTHORITY', message: 'required when AUTH_AUDIENCE is set' });
  if (e.MICROSOFT_CLIENT_ID && !e.MICROSOFT_CLIENT_SECRET && !e.MICROSOFT_CLIENT_CERTIFICATE_PATH) {
    problems.push({ variable: 'MICROSOFT_CLIENT_SECRET', message: 'set it or MICROSOFT_CLIENT_CERTIFICATE_PATH when MICROSOFT_CLIENT_ID is set' });
  }
  if (!e.MICROSOFT_CLIENT_ID && (e.MICROSOFT_CLIENT_SECRET || e.MICROSOFT_CLIENT_CERTIFICATE_PATH)) {
    problems.push({ variable: 'MICROSOFT_CLIENT_ID', message: 'required when a client secret or certificate is set' });
  }
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    problems.push({ variable: e.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' });
  }
  if (e.NODE_ENV === 'production') {
    // The sandbox and a generated key are for trying Relaydesk out, never for real mailboxes.
    if (!e.MICROSOFT_CLIENT_ID) problems.push({ variable: 'MICROSOFT_CLIENT_ID', message: 'required in production (the sandbox is for development)' });
    if (!e.RELAYDESK_SECRET_KEY) problems.push({ variable: 'RELAYDESK_SECRET_KEY', message: 'required in production (it encrypts mailbox tokens)' });
    problems.push(...productionIdentityProblems(e));
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  const tls: Config['tls'] =
    e.TLS_CERT_FILE && e.TLS_KEY_FILE
      ? { kind: 'files', certFile: path.resolve(e.TLS_CERT_FILE), keyFile: path.resolve(e.TLS_KEY_FILE) }
      : e.MICROSOFT_CLIENT_ID
        ? { kind: 'none' }
        : { kind: 'sandbox' };
  const publicOrigin = (e.PUBLIC_ORIGIN ?? `${tls.kind === 'none' ? 'http' : 'https'}://localhost:${e.PORT}`).replace(/\/+$/, '');
  const microsoft: MicrosoftConfig = e.MICROSOFT_CLIENT_ID
    ? {
        mode: 'entra',
        clientId: e.MICROSOFT_CLIENT_ID,
        credential: e.MICROSOFT_CLIENT_CERTIFICATE_PATH
          ? { kind: 'certificate', path: path.resolve(e.MICROSOFT_CLIENT_CERTIFICATE_PATH) }
          : { kind: 'secret', secret: e.MICROSOFT_CLIENT_SECRET ?? '', expiresAt: e.MICROSOFT_CLIENT_SECRET_EXPIRES_AT ? new Date(e.MICROSOFT_CLIENT_SECRET_EXPIRES_AT).toISOString() : null },
        tenant: e.MICROSOFT_TENANT,
        authorityHost: e.MICROSOFT_AUTHORITY_HOST.replace(/\/+$/, ''),
        graphBaseUrl: e.MICROSOFT_GRAPH_URL.replace(/\/+$/, ''),
      }
    : { mode: 'sandbox', port: e.SANDBOX_PORT, demoMail: e.SANDBOX_DEMO_MAIL === 'true' || e.SANDBOX_DEMO_MAIL === 'on' };
  const tenantIds = tenantList(e.AUTH_TENANT_ID);
  const auth =
    e.AUTH_AUTHORITY && e.AUTH_AUDIENCE
      ? { authority: e.AUTH_AUTHORITY, audience: e.AUTH_AUDIENCE, tenantIds }
      : microsoft.mode === 'entra'
        ? { authority: `${microsoft.authorityHost}/${microsoft.tenant}`, audience: microsoft.clientId, tenantIds }
        : undefined;
  return deepFreeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: path.join(dataDir, 'relaydesk.db') },
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    auth,
    tls,
    publicOrigin,
    mailboxLinkMode: e.MICROSOFT_AUTH_MODE,
    redirectUri: e.OAUTH_REDIRECT_URI ?? `${publicOrigin}/oauth/callback`,
    officeJsUrl: e.OFFICE_JS_URL,
    metrics: e.METRICS_PORT === undefined ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST },
    rateLimits: { perUserPerMinute: e.API_RATE_LIMIT_PER_MINUTE, perIpPerMinute: e.API_RATE_LIMIT_PER_IP_PER_MINUTE },
    addinDir: path.resolve(e.ADDIN_DIR),
    // Host and port name one instance across restarts; with a random port, only the process does.
    instanceId: e.INSTANCE_ID ?? (e.PORT === 0 ? `${os.hostname()}:pid-${process.pid}` : `${os.hostname()}:${e.PORT}`),
    relayUnknownOutcomeSettleMs: e.RELAY_UNKNOWN_OUTCOME_SETTLE_MS,
    relayPacing: { messagesPerMinute: e.RELAY_MESSAGES_PER_MINUTE, recipientsPerDay: e.RELAY_RECIPIENTS_PER_DAY },
    sync: { intervalMs: e.SYNC_INTERVAL_MS, maxConcurrent: e.SYNC_MAX_CONCURRENT, senderBlockMs: e.SENDER_BLOCK_MINUTES * 60_000 },
    push: { enabled: e.PUSH === 'on', checkIntervalMs: e.PUSH_CHECK_INTERVAL_MS, subscriptionMinutes: e.PUSH_SUBSCRIPTION_MINUTES, debounceMs: e.PUSH_DEBOUNCE_MS, retryMs: e.PUSH_RETRY_MS },
    parse: { workers: e.PARSE_WORKERS, deadlineMs: e.PARSE_DEADLINE_MS, workerHeapMb: e.PARSE_WORKER_HEAP_MB },
    messageIdDomain: (e.MESSAGE_ID_DOMAIN ?? `relaydesk.${new URL(publicOrigin).hostname}`).toLowerCase(),
    microsoft,
    secretKeys: e.RELAYDESK_SECRET_KEY
      ? {
          current: e.RELAYDESK_SECRET_KEY,
          previous: (e.RELAYDESK_PREVIOUS_SECRET_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
        }
      : undefined,
  } satisfies Config);
}

type Env = z.infer<typeof EnvSchema>;

/**
 * Whoever runs the authority can mint any caller's token, and whoever runs "Graph" receives every mailbox's
 * access token; so in production both must be Microsoft's, and a multi-tenant authority (which signs tokens
 * for every Entra tenant) needs the explicit list of tenants whose users may call the API.
 */
function productionIdentityProblems(e: Env): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (e.ALLOW_CUSTOM_IDENTITY_HOST !== 'true') {
    const hostMessage = "must be one of Microsoft's hosts in production (set ALLOW_CUSTOM_IDENTITY_HOST=true to allow another)";
    if (!isHttpsOn(e.MICROSOFT_AUTHORITY_HOST, MICROSOFT_AUTHORITY_HOSTS)) problems.push({ variable: 'MICROSOFT_AUTHORITY_HOST', message: hostMessage });
    if (e.AUTH_AUTHORITY && !isHttpsOn(e.AUTH_AUTHORITY, MICROSOFT_AUTHORITY_HOSTS)) problems.push({ variable: 'AUTH_AUTHORITY', message: hostMessage });
    if (!isHttpsOn(e.MICROSOFT_GRAPH_URL, MICROSOFT_GRAPH_HOSTS)) problems.push({ variable: 'MICROSOFT_GRAPH_URL', message: hostMessage });
  }
  const authorityTenantSegment = e.AUTH_AUTHORITY ? authorityTenant(e.AUTH_AUTHORITY) : e.MICROSOFT_TENANT.toLowerCase();
  if (MULTI_TENANT_SEGMENTS.has(authorityTenantSegment) && tenantList(e.AUTH_TENANT_ID).length === 0) {
    problems.push({ variable: 'AUTH_TENANT_ID', message: `required in production with the multi-tenant authority '${authorityTenantSegment}': the tenant id(s) whose users may call the API` });
  }
  return problems;
}

function tenantList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}

/** Reads `.env` from the working directory into process.env without overriding what is already set. */
export function loadDotEnv(file = path.resolve('.env')): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
