import { GraphRequestError } from '../../graph/errors';
import { MailboxAuthError } from '../../identity/mailbox-tokens';

/** What a failed sync means for the mailbox: the one place that decides it, from error codes. */
export interface SyncFailure {
  code: string;
  message: string;
  /** Set when only an admin can fix it: the mailbox stops syncing until re-authorized. */
  needsReauth: boolean;
}

export function classifySyncFailure(error: unknown): SyncFailure {
  if (error instanceof MailboxAuthError) {
    return { code: error.aadstsCode ?? error.code, message: error.message, needsReauth: error.code === 'needs_reauth' };
  }
  if (error instanceof GraphRequestError) {
    switch (error.kind) {
      case 'unauthorized':
      case 'access_denied':
        // mailbox_not_linked: the tokens were deleted (unlinked meanwhile); nothing to re-authorize.
        return { code: error.graphCode, message: `Graph refused access to the mailbox: ${error.message}`, needsReauth: error.graphCode !== 'mailbox_not_linked' };
      case 'mailbox_unavailable':
        return { code: error.graphCode, message: `Graph cannot serve this mailbox any more: ${error.message}`, needsReauth: true };
      default:
        return { code: error.graphCode, message: error.message, needsReauth: false };
    }
  }
  return { code: 'internal_error', message: error instanceof Error ? error.message : String(error), needsReauth: false };
}
