/**
 * One line of the doctor's table: what was checked, the verdict, what was found, and what to do about it.
 * A warning is worth knowing but stops nothing; a failure means Relaydesk will not work as configured, and
 * makes `npm run doctor` exit non-zero.
 */
export const CHECK_STATUSES = ['ok', 'warn', 'fail'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface CheckResult {
  check: string;
  status: CheckStatus;
  /** What was found, as the table shows it. */
  detail: string;
  /** What to do; null only when the status is ok. */
  fix: string | null;
  /** Why a row is not ok, for scripts and monitoring (`redirect_uri_mismatch`, `mode_too_open`, `dns`, ...). */
  code?: string;
  /** The configuration variable the verdict is about, when it is about one. */
  variable?: string;
}

export function ok(check: string, detail: string): CheckResult {
  return { check, status: 'ok', detail, fix: null };
}

export function warn(check: string, code: string, detail: string, fix: string, variable?: string): CheckResult {
  return { check, status: 'warn', code, detail, fix, ...(variable ? { variable } : {}) };
}

export function fail(check: string, code: string, detail: string, fix: string, variable?: string): CheckResult {
  return { check, status: 'fail', code, detail, fix, ...(variable ? { variable } : {}) };
}

/** Non-zero when anything failed; warnings alone leave it 0, so a deployment script can gate on it. */
export function exitCodeOf(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

/** The message of whatever was thrown, with its code (ENOTFOUND, 28P01, ...) when it has one. */
export function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
