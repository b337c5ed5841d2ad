import { Button, Field, Select, ToggleButton, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { Agent, TicketDetail, TicketStatus } from '../../api/types';
import { TICKET_STATUS_ORDER } from './statuses';

/** Assign (to me, to anyone), status, follow: each a plain control that calls the workspace's action. */
export interface TicketActionsProps {
  ticket: TicketDetail;
  me: Agent | null;
  agents: Agent[] | null;
  onStatus(status: TicketStatus): void;
  onAssign(agent: Pick<Agent, 'id' | 'email'> | null): void;
  onFollow(following: boolean): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  // minWidth 0 lets a long agent name shrink inside its own field instead of running under the next one.
  field: { minWidth: 0, flex: '1 1 140px' },
  select: { width: '100%', minWidth: 0 },
});

const UNASSIGNED = '';

export function TicketActions({ ticket, me, agents, onStatus, onAssign, onFollow }: TicketActionsProps) {
  const styles = useStyles();
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  const following = me !== null && ticket.followers.some((f) => f.id === me.id);
  // The current assignee stays selectable even when the agent list has not loaded (or no longer lists them).
  const options = [...(agents ?? [])];
  if (ticket.assignee && !options.some((a) => a.id === ticket.assignee?.id)) options.push({ id: ticket.assignee.id, email: ticket.assignee.email, name: null, role: 'agent' });
  return (
    <section aria-label={t('workspace.actions')} className={styles.root}>
      <Button size="small" disabled={!me || ticket.assignee?.id === me.id} onClick={() => me && onAssign(me)} data-testid="assign-me">
        {t('workspace.assignMe')}
      </Button>
      <Field label={t('workspace.assignee')} size="small" className={styles.field}>
        <Select
          className={styles.select}
          data-testid="assignee-select"
          value={ticket.assignee ? String(ticket.assignee.id) : UNASSIGNED}
          onChange={(_, d) => onAssign(d.value === UNASSIGNED ? null : (options.find((a) => String(a.id) === d.value) ?? null))}
        >
          <option value={UNASSIGNED}>{t('ticket.unassigned')}</option>
          {options.map((a) => (
            <option key={a.id} value={String(a.id)}>
              {a.name ? `${a.name} (${a.email})` : a.email}
            </option>
          ))}
        </Select>
      </Field>
      <Field label={t('workspace.status')} size="small" className={styles.field}>
        <Select className={styles.select} data-testid="status-select" value={ticket.status} onChange={(_, d) => onStatus(d.value as TicketStatus)}>
          {TICKET_STATUS_ORDER.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </Select>
      </Field>
      {/* One label, pressed or not: a toggle whose name also changed would be announced as two different buttons. */}
      <ToggleButton size="small" checked={following} disabled={!me} onClick={() => onFollow(!following)} data-testid="follow-toggle">
        {t('workspace.follow')}
      </ToggleButton>
    </section>
  );
}
