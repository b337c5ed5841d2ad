import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { ConflictSummary } from '../../state/conflict';
import { isEmptyConflict } from '../../state/conflict';

/** After a 412: what someone else changed; the ticket shown is already theirs, the agent's draft is untouched. */
export interface ConflictBannerProps {
  conflict: ConflictSummary;
  onReload(): void;
}

export function ConflictBanner({ conflict, onReload }: ConflictBannerProps) {
  const intl = useIntl();
  const t = (id: string, values?: Record<string, string | number>) => intl.formatMessage({ id }, values);
  const lines = [
    conflict.status && t('workspace.conflict.status', { status: t(`status.${conflict.status.to}`) }),
    conflict.assignee && t('workspace.conflict.assignee', { assignee: conflict.assignee.to ?? t('ticket.unassigned') }),
    conflict.newComments > 0 && t('workspace.conflict.comments', { count: conflict.newComments }),
    isEmptyConflict(conflict) && t('workspace.conflict.other'),
  ].filter((line): line is string => typeof line === 'string');
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="conflict-banner" role="alert">
      <MessageBarBody>
        <MessageBarTitle>{t('workspace.conflict.title')}</MessageBarTitle> {lines.join(' ')} {t('workspace.conflict.advice')}
      </MessageBarBody>
      <MessageBarActions>
        <Button size="small" onClick={onReload} data-testid="conflict-reload">
          {t('workspace.conflict.reload')}
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
