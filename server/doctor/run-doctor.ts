import type { Config } from '../config';
import type { Logger } from '../logger';
import type { MailboxView } from '../mailboxes/mailbox-view';
import { checkAppCredential } from './app-credential-check';
import { checkAppRegistration } from './app-registration-check';
import { describeError, fail, type CheckResult } from './check-result';
import { clockVerdict } from './clock-check';
import { checkConfig } from './config-check';
import { checkDatabase } from './database-check';
import { checkEndpoints } from './endpoints-check';
import { checkFiles } from './files-check';
import { mailboxesVerdict } from './mailboxes-check';
import { microsoftTarget, type MicrosoftTarget } from './microsoft-target';
import { checkTls } from './tls-check';

export interface DoctorDeps {
  logger: Logger;
  /**
   * The linked mailboxes as admins see them. Called only once the database is complete, so opening the store
   * (which migrates) changes nothing; the CLI opens it through the composition root.
   */
  listMailboxes(config: Config): Promise<MailboxView[]>;
}

/**
 * Every check, in the order a problem is best fixed: the configuration first (nothing else can be read
 * without it), then what is on this machine, then Microsoft (or the sandbox), then the mailboxes. A check that
 * throws becomes a failed row, never a crash: the table is the point.
 */
export async function runDoctor(env: NodeJS.ProcessEnv, deps: DoctorDeps): Promise<CheckResult[]> {
  let checked: ReturnType<typeof checkConfig>;
  try {
    checked = checkConfig(env);
  } catch (error) {
    return [fail('configuration', 'check_crashed', `the configuration could not be read: ${describeError(error)}`, 'Run the server once to see how it fails, and report it with this message.')];
  }
  const { config, results } = checked;
  // The rest depends on a configuration the server would accept.
  if (!config) return results;
  results.push(...(await guard('data folder', async () => checkFiles(config))));
  let databaseReady = false;
  results.push(
    ...(await guard('database', async () => {
      const { result, ready } = await checkDatabase(config);
      databaseReady = ready;
      return [result];
    })),
  );

  let target: MicrosoftTarget | undefined;
  results.push(
    ...(await guard('sandbox', async () => {
      const found = await microsoftTarget(config, deps.logger);
      target = found.target;
      return found.results;
    })),
  );
  try {
    results.push(...(await guard('TLS certificate', async () => [await checkTls(config, target)].filter((r): r is CheckResult => r !== undefined))));
    const t = target;
    if (t) {
      results.push(...(await guard('app credential', async () => [await checkAppCredential(config, t, deps.logger)])));
      results.push(
        ...(await guard('Microsoft endpoints', async () => {
          const findings = await checkEndpoints(t, env['AUTH_AUTHORITY'] ? config.auth?.authority : undefined);
          const clock = clockVerdict(findings.clockSamples, t.mode === 'sandbox');
          return [...findings.results, clock, ...(await checkAppRegistration(config, env, t, findings.authorizationEndpoint))];
        })),
      );
    }
  } finally {
    await (target as MicrosoftTarget | undefined)?.close();
  }
  if (databaseReady) results.push(...(await guard('mailboxes', async () => mailboxesVerdict(await deps.listMailboxes(config)))));
  return results;
}

async function guard(check: string, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    return [fail(check, 'check_crashed', `the check itself failed: ${describeError(error)}`, 'Run the doctor again; if it persists, report it with this message.')];
  }
}
