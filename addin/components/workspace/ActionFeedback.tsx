import { MessageBar, MessageBarBody, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { ActionFailure, SyncIndicator } from '../../state/ticket-sync';

/**
 * Saving / Saved, announced politely to screen readers, and a failed action with its code (assertive: the
 * change the agent sees was rolled back).
 */
export interface ActionFeedbackProps {
  sync: SyncIndicator;
  saved: number;
  error: ActionFailure | null;
}

const useStyles = makeStyles({ saved: { color: tokens.colorNeutralForeground3, minHeight: tokens.lineHeightBase200 } });

export function ActionFeedback({ sync, saved, error }: ActionFeedbackProps) {
  const styles = useStyles();
  const intl = useIntl();
  const text = sync === 'saving' ? intl.formatMessage({ id: 'workspace.saving' }) : saved > 0 && sync === 'saved' && !error ? intl.formatMessage({ id: 'workspace.saved' }) : '';
  return (
    <>
      <Text size={200} className={styles.saved} aria-live="polite" role="status" data-testid="saved-indicator" data-state={sync}>
        {text}
      </Text>
      {error && (
        <MessageBar intent="error" role="alert" data-testid="action-error" data-code={error.code}>
          <MessageBarBody>{intl.formatMessage({ id: 'workspace.failed' }, { code: error.code, message: error.message })}</MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}
