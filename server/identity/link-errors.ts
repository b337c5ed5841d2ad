/** Why a mailbox link (or a change to one) did not happen. Callers branch on the code. */
export type LinkErrorCode =
  | 'not_found'
  | 'already_linked'
  | 'settings_block_linking'
  | 'invalid_mailbox_state'
  | 'link_state_missing'
  | 'link_state_unknown'
  | 'link_state_used'
  | 'link_state_expired'
  | 'consent_cancelled'
  | 'consent_failed'
  | 'wrong_account'
  | 'mailbox_unavailable'
  | 'mailbox_access_denied'
  | 'mailbox_send_denied'
  | 'app_not_scoped'
  | 'scope_probe_inconclusive'
  | 'identity_refused'
  | 'app_only_unavailable'
  | 'graph_unreachable';

export class LinkError extends Error {
  constructor(readonly code: LinkErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'LinkError';
  }
}
