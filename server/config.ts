import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one configuration object, parsed from the environment once at start. Every variable is documented in
 * README.md; keep the two in step. A `.env` file in the working directory is honoured, but real environment
 * variables win over it.
 */

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());
const port = z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be a port number (0-65535)').min(0).max(65535);
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
  AUTH_TENANT_ID: optionalString,
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly shutdownTimeoutMs: number;
  /** API caller authentication. Absent when no authority is configured and none was provided at start. */
  readonly auth: { readonly authority: string; readonly audience: string; readonly tenantId: string | undefined } | undefined;
}

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
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
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
    auth:
      e.AUTH_AUTHORITY && e.AUTH_AUDIENCE
        ? { authority: e.AUTH_AUTHORITY, audience: e.AUTH_AUDIENCE, tenantId: e.AUTH_TENANT_ID }
        : undefined,
  } satisfies Config);
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
