import { Card, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { FormattedDate, useIntl } from 'react-intl';
import type { Person, TicketCard as TicketCardData } from '../api/types';
import { SenderAuthWarning } from './SenderAuthWarning';
import { StatusBadge } from './StatusBadge';

/**
 * The ticket's header: number, subject, status, a warning when the sender failed authentication, requester,
 * mailbox, assignee, CCs, followers (once the full ticket is loaded), last update. The lookup's card renders
 * the same component at once, so the status shows before the conversation has loaded.
 */
export interface TicketCardProps {
  ticket: TicketCardData & { followers?: Person[] };
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
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  const updated = new Date(ticket.updatedAt);
  const field = (label: string, testId: string, value: ReactNode) => (
    <>
      <dt className={styles.label}>{label}</dt>
      <dd className={styles.value} data-testid={testId}>
        {value}
      </dd>
    </>
  );
  const people = (list: Person[]) => (list.length > 0 ? list.map(personText).join(', ') : t('ticket.none'));
  return (
    <Card data-testid="ticket-card" aria-label={intl.formatMessage({ id: 'ticket.label' }, { reference: ticket.reference })}>
      <div className={styles.header}>
        <Text className={styles.number} data-testid="ticket-number">
          {intl.formatMessage({ id: 'ticket.number' }, { id: ticket.id, reference: ticket.reference })}
        </Text>
        <StatusBadge status={ticket.status} testId="ticket-status" />
      </div>
      <Text as="h2" size={400} weight="semibold" className={styles.flush} data-testid="ticket-subject">
        {ticket.subject || t('ticket.noSubject')}
      </Text>
      {ticket.senderAuthFailure && <SenderAuthWarning failure={ticket.senderAuthFailure} />}
      <dl className={styles.fields}>
        {field(t('ticket.requester'), 'ticket-requester', personText(ticket.requester))}
        {ticket.mailbox && field(t('ticket.mailbox'), 'ticket-mailbox', ticket.mailbox)}
        {field(t('ticket.assignee'), 'ticket-assignee', ticket.assignee ? ticket.assignee.email : t('ticket.unassigned'))}
        {field(t('ticket.ccs'), 'ticket-ccs', people(ticket.ccs))}
        {ticket.followers && field(t('ticket.followers'), 'ticket-followers', people(ticket.followers))}
        {field(
          t('ticket.updated'),
          'ticket-updated',
          <time dateTime={ticket.updatedAt}>{Number.isNaN(updated.getTime()) ? ticket.updatedAt : <FormattedDate value={updated} dateStyle="medium" timeStyle="short" />}</time>,
        )}
      </dl>
    </Card>
  );
}
