import type { FailureClass } from '../../graph/failure-classes';
import { classifyFailure } from '../../graph/failure-policy';

/** What a failed sync means for the mailbox, as the failure policy (graph/failure-policy.ts) classifies it. */
export interface SyncFailure {
  /** Graph's error code, the AADSTS number of an identity failure, or Relaydesk's own code. */
  code: string;
  failureClass: FailureClass;
  message: string;
  /**
   * Only a lost grant: the mailbox stops syncing until an admin re-authorizes it. Every other failure leaves
   * it active, shown degraded with the reason, and the next sync tries again.
   */
  needsReauth: boolean;
}

export function classifySyncFailure(error: unknown): SyncFailure {
  const failure = classifyFailure(error);
  return { code: failure.aadsts ?? failure.code, failureClass: failure.kind, message: failure.message, needsReauth: failure.kind === 'grant_lost' };
}
