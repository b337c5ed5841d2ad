import { Badge, type BadgeProps } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { TicketStatus } from '../api/types';

/** A ticket status as a coloured badge (the helpdesk's usual colours: new yellow, open red, pending blue...). */
export interface StatusBadgeProps {
  status: TicketStatus;
  testId?: string;
}

const COLOURS: Record<TicketStatus, BadgeProps['color']> = {
  new: 'warning',
  open: 'danger',
  pending: 'brand',
  hold: 'important',
  solved: 'success',
  closed: 'informative',
};

export function StatusBadge({ status, testId }: StatusBadgeProps) {
  const intl = useIntl();
  return (
    <Badge appearance="filled" color={COLOURS[status]} data-status={status} data-testid={testId}>
      {intl.formatMessage({ id: `status.${status}` })}
    </Badge>
  );
}
