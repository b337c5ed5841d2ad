import { Button, Field, Input, Select, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useIntl } from 'react-intl';
import type { AfterIngestAction, MailboxView } from '../api/types';

/** What becomes of an email once it is a ticket: mark read, leave unread, or move to a named folder. */
export interface AfterIngestSettingProps {
  afterIngest: MailboxView['afterIngest'];
  busy: boolean;
  onSave(action: AfterIngestAction, folder: string | null): void;
}

const ACTIONS: readonly AfterIngestAction[] = ['mark_read', 'leave_unread', 'move'];

const useStyles = makeStyles({
  row: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: tokens.spacingHorizontalS },
});

export function AfterIngestSetting({ afterIngest, busy, onSave }: AfterIngestSettingProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [action, setAction] = useState<AfterIngestAction>(afterIngest.action);
  const [folder, setFolder] = useState(afterIngest.folderName ?? '');
  const changed = action !== afterIngest.action || (action === 'move' && folder.trim() !== (afterIngest.folderName ?? ''));
  const ready = changed && (action !== 'move' || folder.trim() !== '');
  return (
    <div className={styles.row}>
      <Field label={intl.formatMessage({ id: 'mailboxes.afterIngest' })} size="small">
        <Select size="small" value={action} disabled={busy} onChange={(_, d) => setAction(d.value as AfterIngestAction)} data-testid="after-ingest-action">
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {intl.formatMessage({ id: `mailboxes.afterIngest.${a}` })}
            </option>
          ))}
        </Select>
      </Field>
      {action === 'move' && (
        <Field label={intl.formatMessage({ id: 'mailboxes.afterIngest.folder' })} size="small">
          <Input size="small" value={folder} disabled={busy} onChange={(_, d) => setFolder(d.value)} data-testid="after-ingest-folder" />
        </Field>
      )}
      <Button size="small" disabled={busy || !ready} onClick={() => onSave(action, action === 'move' ? folder.trim() : null)} data-testid="after-ingest-save">
        {intl.formatMessage({ id: 'mailboxes.afterIngest.save' })}
      </Button>
    </div>
  );
}
