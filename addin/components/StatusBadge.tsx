import { Badge, type BadgeProps } from '@fluentui/react-components';
import type { TicketStatus } from '../api/types';

/** A ticket status as a coloured badge (the helpdesk's usual colours: new yellow, open red, pending blue...). */
export interface StatusBadgeProps {
  status: TicketStatus;
}

const COLOURS: Record<TicketStatus, BadgeProps['color']> = {
  new: 'warning',
  open: 'danger',
  pending: 'brand',
  hold: 'important',
  solved: 'success',
  closed: 'informative',
};

const LABELS: Record<TicketStatus, string> = {
  new: 'New',
  open: 'Open',
  pending: 'Pending',
  hold: 'On hold',
  solved: 'Solved',
  closed: 'Closed',
};

export function StatusBadge({ status }: StatusBadgeProps) {
  return (
    <Badge appearance="filled" color={COLOURS[status]} data-status={status}>
      {LABELS[status]}
    </Badge>
  );
}
