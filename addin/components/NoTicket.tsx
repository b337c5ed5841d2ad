import { Card, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { useIntl } from 'react-intl';
import type { NoTicketReason } from '../api/types';
import { reasonText } from '../state/reasons';

/**
 * The selected email has no ticket: why, in words, with the filter's own detail for suppressed or unreadable
 * mail, and (when given) the action that makes one.
 */
export interface NoTicketProps {
  reason: NoTicketReason;
  detail: string | null;
  /** The "Create ticket" control, when the pane offers it. */
  action?: ReactNode;
}

const useStyles = makeStyles({
  flush: { margin: 0 },
  detail: { margin: 0, color: tokens.colorNeutralForeground3, fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
});

export function NoTicket({ reason, detail, action }: NoTicketProps) {
  const styles = useStyles();
  const text = reasonText(reason, detail, useIntl());
  return (
    <Card data-testid="no-ticket" data-reason={reason}>
      <Text as="h2" size={400} weight="semibold" className={styles.flush}>
        {text.title}
      </Text>
      <Text as="p" className={styles.flush} data-testid="no-ticket-explanation">
        {text.explanation}
      </Text>
      {detail && (reason === 'suppressed' || reason === 'dead_letter') && (
        <Text as="p" size={200} className={styles.detail}>
          {detail}
        </Text>
      )}
      {action}
    </Card>
  );
}
