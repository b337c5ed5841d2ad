import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { KeyboardEvent } from 'react';
import { useIntl } from 'react-intl';
import type { TicketSummary } from '../../api/types';
import { StatusBadge } from '../StatusBadge';
import { personText } from '../TicketCard';
import { RelativeTime } from './RelativeTime';

/** One ticket in a queue list: a row that opens the ticket on click, Enter or Space. */
export interface QueueRowProps {
  ticket: TicketSummary;
  now: number;
  onOpen(ticket: TicketSummary): void;
}

const useStyles = makeStyles({
  row: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: tokens.spacingHorizontalS,
    borderRadius: tokens.borderRadiusMedium,
    cursor: 'pointer',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '1px' },
  },
  top: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  subject: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', flex: 1 },
  meta: { color: tokens.colorNeutralForeground3, display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalM },
});

export function QueueRow({ ticket, now, onOpen }: QueueRowProps) {
  const styles = useStyles();
  const intl = useIntl();
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    onOpen(ticket);
  };
  const subject = ticket.subject || intl.formatMessage({ id: 'ticket.noSubject' });
  return (
    // The activatable element sits inside the list item: a list may hold only list items (axe rule "list").
    <li>
      <div
        className={styles.row}
        tabIndex={0}
        role="link"
        aria-label={intl.formatMessage(
          { id: 'queue.row' },
          { subject, status: intl.formatMessage({ id: `status.${ticket.status}` }), requester: personText(ticket.requester) },
        )}
        onClick={() => onOpen(ticket)}
        onKeyDown={onKey}
        data-testid="queue-row"
        data-ticket-id={ticket.id}
      >
        <div className={styles.top}>
          <StatusBadge status={ticket.status} />
          <Text weight="semibold" className={styles.subject}>
            {subject}
          </Text>
        </div>
        <Text size={200} className={styles.meta}>
          <span>{personText(ticket.requester)}</span>
          <span>{intl.formatMessage({ id: 'queue.age' }, { age: <RelativeTime key="a" iso={ticket.createdAt} now={now} /> })}</span>
          <span>{intl.formatMessage({ id: 'queue.activity' }, { when: <RelativeTime key="w" iso={ticket.lastActivityAt ?? ticket.updatedAt} now={now} /> })}</span>
        </Text>
      </div>
    </li>
  );
}
