import { Card, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Person, TicketCard as TicketCardData } from '../api/types';
import { SenderAuthWarning } from './SenderAuthWarning';
import { StatusBadge } from './StatusBadge';

/**
 * The ticket behind the selected email: number, subject, status, a warning when the sender failed
 * authentication, requester, assignee, CCs, last update.
 */
export interface TicketCardProps {
  ticket: TicketCardData;
}

const useStyles = makeStyles({
  header: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalS },
  flush: { margin: 0 },
  number: { color: tokens.colorNeutralForeground2, fontWeight: tokens.fontWeightSemibold },
  fields: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXS, margin: 0 },
  label: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, overflowWrap: 'anywhere' },
});

export const personText = (p: Pick<Person, 'email'> & { name?: string | null }): string => (p.name ? `${p.name} <${p.email}>` : p.email);

export function TicketCard({ ticket }: TicketCardProps) {
  const styles = useStyles();
  const updated = new Date(ticket.updatedAt);
  return (
    <Card data-testid="ticket-card" aria-label={`Ticket ${ticket.reference}`}>
      <div className={styles.header}>
        <Text className={styles.number} data-testid="ticket-number">
          #{ticket.id} · {ticket.reference}
        </Text>
        <StatusBadge status={ticket.status} />
      </div>
      <Text as="h2" size={400} weight="semibold" className={styles.flush} data-testid="ticket-subject">
        {ticket.subject || '(no subject)'}
      </Text>
      {ticket.senderAuthFailure && <SenderAuthWarning failure={ticket.senderAuthFailure} />}
      <dl className={styles.fields}>
        <dt className={styles.label}>Requester</dt>
        <dd className={styles.value} data-testid="ticket-requester">{personText(ticket.requester)}</dd>
        <dt className={styles.label}>Assignee</dt>
        <dd className={styles.value} data-testid="ticket-assignee">{ticket.assignee ? ticket.assignee.email : 'Unassigned'}</dd>
        <dt className={styles.label}>CCs</dt>
        <dd className={styles.value} data-testid="ticket-ccs">{ticket.ccs.length > 0 ? ticket.ccs.map(personText).join(', ') : 'None'}</dd>
        <dt className={styles.label}>Last update</dt>
        <dd className={styles.value} data-testid="ticket-updated">
          <time dateTime={ticket.updatedAt}>{Number.isNaN(updated.getTime()) ? ticket.updatedAt : updated.toLocaleString()}</time>
        </dd>
      </dl>
    </Card>
  );
}
