import type { FailureClass } from '../../graph/failure-classes';
import { classifyFailure } from '../../graph/failure-policy';
import type { MailboxRow } from '../../store/schema';

/** What a failed sync means for the mailbox, as the failure policy (graph/failure-policy.ts) classifies it. */
export interface SyncFailure {
  /** Graph's error code, the AADSTS number of an identity failure, or Relaydesk's own code. */
  code: string;
  failureClass: FailureClass;
  message: string;
  /**
   * A lost grant, or (application mode) the app's access to the mailbox withdrawn: the mailbox stops syncing
   * until an admin re-authorizes or re-checks it. Every other failure leaves it active, shown degraded with
   * the reason, and the next sync tries again.
   */
  needsReauth: boolean;
}

export function classifySyncFailure(error: unknown, mailbox?: Pick<MailboxRow, 'address' | 'auth_mode'>): SyncFailure {
  const failure = classifyFailure(error);
  const code = failure.aadsts ?? failure.code;
  if (mailbox?.auth_mode === 'application' && appAccessWithdrawn(failure)) {
    const message = `The app can no longer reach ${mailbox.address} (${failure.code}): the mailbox left the app's Exchange scope, or the app lost its Mail permission. Restore its access, then re-check access.`;
    return { code, failureClass: failure.kind, message, needsReauth: true };
  }
  return { code, failureClass: failure.kind, message: failure.message, needsReauth: failure.kind === 'grant_lost' };
}

/**
 * Exchange's answer to an app token outside its RBAC scope (or without the permission): 403 ErrorAccessDenied
 * with a fresh token. Retrying cannot help; only the tenant's admin can, so it is shown as such.
 */
export function appAccessWithdrawn(failure: { source: string; status: number; code: string }): boolean {
  return failure.source === 'graph' && failure.status === 403 && failure.code === 'ErrorAccessDenied';
}
