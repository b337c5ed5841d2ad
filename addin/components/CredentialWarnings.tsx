import { Button, MessageBar, MessageBarActions, MessageBarBody, makeStyles, tokens, type MessageBarIntent } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { CredentialWarning, CredentialWarningLevel } from '../api/types';

/**
 * A mailbox's credential warnings, most urgent first, each with what to do. A mailbox's own grant (an idle
 * refresh token, lost consent) is renewed by re-authorizing, one click away; the app's secret or certificate
 * is renewed in Entra, so those have no button.
 */
export interface CredentialWarningsProps {
  warnings: CredentialWarning[];
  busy: boolean;
  onReauthorize(): void;
  /** The button's words ("Re-check access" for an application-mode mailbox); "Re-authorize" by default. */
  reauthorizeLabel?: string;
}

const INTENT: Record<CredentialWarningLevel, MessageBarIntent> = { info: 'info', warning: 'warning', critical: 'error' };
const RANK: Record<CredentialWarningLevel, number> = { critical: 0, warning: 1, info: 2 };
const RENEWED_BY_REAUTHORIZING = new Set<CredentialWarning['kind']>(['refresh_token_inactive', 'consent_lost']);

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
});

export function CredentialWarnings({ warnings, busy, onReauthorize, reauthorizeLabel }: CredentialWarningsProps) {
  const styles = useStyles();
  const intl = useIntl();
  if (warnings.length === 0) return null;
  const sorted = [...warnings].sort((a, b) => RANK[a.level] - RANK[b.level]);
  return (
    <div className={styles.list}>
      {sorted.map((w) => (
        <MessageBar key={w.kind} intent={INTENT[w.level]} layout="multiline" data-testid="credential-warning" data-kind={w.kind} data-level={w.level}>
          <MessageBarBody>{intl.formatMessage({ id: `mailboxes.credentials.${w.kind}` }, { days: Math.max(0, w.daysLeft ?? 0) })}</MessageBarBody>
          {RENEWED_BY_REAUTHORIZING.has(w.kind) && (
            <MessageBarActions>
              <Button size="small" disabled={busy} onClick={onReauthorize} data-testid="credential-reauthorize">
                {reauthorizeLabel ?? intl.formatMessage({ id: 'mailboxes.reauthorize' })}
              </Button>
            </MessageBarActions>
          )}
        </MessageBar>
      ))}
    </div>
  );
}
