import type { FailureClass } from '../graph/failure-classes';
import type { MailboxView } from '../mailboxes/mailbox-view';
import { fail, ok, warn, type CheckResult } from './check-result';

/**
 * Each linked mailbox as admins see it in the task pane (mailboxView: state, health, credential warnings), as
 * one row. A mailbox that cannot be read without an admin (needs_reauth, a critical credential, a failure
 * retrying will not mend) fails; one that is behind, paused or heading for trouble warns.
 */

/** Failures that mend themselves: Microsoft throttling or briefly down, an answer lost. */
const PASSING: ReadonlySet<FailureClass> = new Set(['throttled', 'transient', 'outcome_unknown']);

const REAUTHORIZE = 'An admin re-authorizes it: task pane > Mailboxes > Re-authorize.';

export function mailboxesVerdict(views: readonly MailboxView[]): CheckResult[] {
  if (views.length === 0) return [ok('mailboxes', 'none linked yet (link one from the task pane as an admin)')];
  return views.map(mailboxVerdict);
}

export function mailboxVerdict(view: MailboxView): CheckResult {
  const check = `mailbox ${view.address}`;
  const app = view.authMode === 'application';
  if (view.state === 'needs_reauth') {
    const fix = app ? "Restore the app's access to the mailbox in Exchange Online, then Re-check access in the task pane." : REAUTHORIZE;
    return fail(check, 'needs_reauth', `needs re-authorization${view.stateReason ? `: ${view.stateReason}` : ''}; nothing is read or sent`, fix);
  }
  const critical = view.credentials.warnings.find((w) => w.level === 'critical');
  if (critical) return fail(check, 'credential_critical', critical.message, credentialFix(critical.kind));
  if (view.state === 'pending') return warn(check, 'pending', 'linking was started but consent never came back', 'Link it again from the task pane (the consent page must be finished by the mailbox itself).');
  if (view.state === 'paused') return warn(check, 'paused', `paused by an admin${view.stateReason ? `: ${view.stateReason}` : ''}; mail waits in the inbox`, 'Resume it in the task pane (Mailboxes > Resume) when it should be read again.');
  const degraded = view.health.degraded;
  if (degraded) {
    const since = degraded.since ? ` since ${degraded.since}` : '';
    const detail = `active but failing${since} (${degraded.failureClass})${degraded.reason ? `: ${degraded.reason}` : ''}`;
    if (PASSING.has(degraded.failureClass)) return warn(check, 'degraded', detail, 'Nothing to do while it is brief: the server retries. If it lasts, see the Microsoft 365 service health.');
    const fix = degraded.failureClass === 'permission_missing' ? (app ? "Give the app access to the mailbox (Exchange's RBAC for Applications), then Re-check access." : `Grant the delegated Graph permissions, then ${REAUTHORIZE.toLowerCase()}`) : 'Read the error in the task pane (Mailboxes) and the server log for this mailbox.';
    return fail(check, 'failing', detail, fix);
  }
  const warning = view.credentials.warnings[0];
  if (warning) return warn(check, 'credential_warning', warning.message, credentialFix(warning.kind));
  if (view.firstSync.mode === null) return warn(check, 'first_sync_unchosen', 'linked, but the first sync was never chosen: nothing is read until it is', 'Choose what the first sync takes in the task pane (Mailboxes).');
  const lastSync = view.health.lastSyncAt ? `last sync ${view.health.lastSyncAt}` : 'not synced yet';
  return ok(check, `active (${view.authMode}), ${lastSync}, lag ${view.health.lagSeconds} s, ${view.health.messagesIngested} message(s) ingested`);
}

function credentialFix(kind: MailboxView['credentials']['warnings'][number]['kind']): string {
  switch (kind) {
    case 'client_secret_expiring':
      return 'Add a new client secret in Entra (App registrations > Certificates & secrets), set MICROSOFT_CLIENT_SECRET and MICROSOFT_CLIENT_SECRET_EXPIRES_AT, restart.';
    case 'certificate_expiring':
      return 'Upload a new certificate to the app registration, point MICROSOFT_CLIENT_CERTIFICATE_PATH at it, restart.';
    case 'refresh_token_inactive':
    case 'consent_lost':
      return REAUTHORIZE;
  }
}
