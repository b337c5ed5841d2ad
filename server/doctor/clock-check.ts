import { fail, ok, warn, type CheckResult } from './check-result';
import type { ClockSample } from './endpoints-check';

const CHECK = 'clock';
/** Past a minute, token lifetimes and the sync's timestamps start to read wrong: worth fixing before it grows. */
export const CLOCK_WARN_MS = 60_000;
/** Entra refuses client assertions more than five minutes off, and tokens then look expired or not yet valid. */
export const CLOCK_FAIL_MS = 5 * 60_000;

const FIX = "Keep this machine's clock synchronised: timedatectl set-ntp true (or chrony / systemd-timesyncd).";

/** The largest offset between the local clock and the Date headers of Microsoft's answers. */
export function clockVerdict(samples: readonly ClockSample[], sameMachine = false): CheckResult {
  if (samples.length === 0) return warn(CHECK, 'no_date', 'no answer from Microsoft carried a Date header to compare with', 'Run the doctor again once the Microsoft endpoints above answer.');
  const worst = samples.reduce((a, b) => (Math.abs(b.offsetMs) > Math.abs(a.offsetMs) ? b : a));
  const seconds = Math.round(worst.offsetMs / 1000);
  const how = `${Math.abs(seconds)} s ${seconds >= 0 ? 'ahead of' : 'behind'} ${worst.source}`;
  if (Math.abs(worst.offsetMs) > CLOCK_FAIL_MS) return fail(CHECK, 'clock_skew', `this machine's clock is ${how}: tokens and client assertions will be refused`, FIX);
  if (Math.abs(worst.offsetMs) > CLOCK_WARN_MS) return warn(CHECK, 'clock_skew', `this machine's clock is ${how}`, FIX);
  const sources = [...new Set(samples.map((s) => s.source))].join(', ');
  // The sandbox runs on this machine's clock: agreement with it says nothing about the real time.
  const within = `within ${Math.max(1, Math.abs(seconds))} s of ${sources}`;
  return ok(CHECK, sameMachine ? `${within} (the sandbox, which runs on this machine's own clock)` : within);
}
