import { Button, Card, Field, Input, Radio, RadioGroup, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import type { FirstSyncChoice, FirstSyncMode, FirstSyncPreview } from '../api/types';

/**
 * A newly linked mailbox waits for this choice before anything is synced: the unread mail already in its
 * Inbox becomes tickets (the default), is left alone (only new mail from now on), or the last N days become
 * solved tickets with nothing emailed to anyone.
 */
export interface FirstSyncCardProps {
  mailboxId: number;
  address: string;
  busy: boolean;
  /** Stable across renders (the preview is loaded again when it changes). */
  loadPreview(mailboxId: number): Promise<FirstSyncPreview>;
  onConfirm(choice: FirstSyncChoice): void;
}

const MODES: readonly FirstSyncMode[] = ['all_unread', 'from_now', 'last_days'];
const MAX_DAYS = 365;

const useStyles = makeStyles({
  card: { backgroundColor: tokens.colorNeutralBackground2 },
  days: { maxWidth: '8em' },
});

export function FirstSyncCard({ mailboxId, address, busy, loadPreview, onConfirm }: FirstSyncCardProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [preview, setPreview] = useState<FirstSyncPreview | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [mode, setMode] = useState<FirstSyncMode>('all_unread');
  const [days, setDays] = useState('30');
  useEffect(() => {
    let live = true;
    loadPreview(mailboxId).then(
      (p) => live && setPreview(p),
      (error: unknown) => live && setFailed(error instanceof Error ? error.message : String(error)),
    );
    return () => void (live = false);
  }, [loadPreview, mailboxId]);

  const date = (iso: string | null) => (iso ? intl.formatDate(iso, { day: 'numeric', month: 'short' }) : '');
  const dayCount = Number(days);
  const daysValid = Number.isInteger(dayCount) && dayCount >= 1 && dayCount <= MAX_DAYS;
  const confirm = () => onConfirm(mode === 'last_days' ? { mode, days: dayCount } : { mode });
  return (
    <Card className={styles.card} data-testid="first-sync" data-address={address} aria-label={intl.formatMessage({ id: 'mailboxes.firstSync.title' }, { address })}>
      <Text weight="semibold">{intl.formatMessage({ id: 'mailboxes.firstSync.title' }, { address })}</Text>
      {failed && <Text data-testid="first-sync-error">{failed}</Text>}
      {!preview && !failed && <Spinner size="tiny" label={intl.formatMessage({ id: 'mailboxes.firstSync.loading' })} />}
      {preview && (
        <Text data-testid="first-sync-summary" data-unread={preview.unread}>
          {intl.formatMessage({ id: 'mailboxes.firstSync.summary' }, { unread: preview.unread, oldest: date(preview.oldest), newest: date(preview.newest) })}
        </Text>
      )}
      <Text size={200}>{intl.formatMessage({ id: 'mailboxes.firstSync.question' })}</Text>
      <RadioGroup value={mode} onChange={(_, d) => setMode(d.value as FirstSyncMode)} aria-label={intl.formatMessage({ id: 'mailboxes.firstSync.title' }, { address })}>
        {MODES.map((m) => (
          <Radio key={m} value={m} label={intl.formatMessage({ id: `mailboxes.firstSync.${m}` })} data-testid={`first-sync-${m}`} />
        ))}
      </RadioGroup>
      {mode === 'last_days' && (
        <Field label={intl.formatMessage({ id: 'mailboxes.firstSync.days' })} size="small" validationState={daysValid ? 'none' : 'error'}>
          <Input className={styles.days} size="small" type="number" min={1} max={MAX_DAYS} value={days} onChange={(_, d) => setDays(d.value)} data-testid="first-sync-days" />
        </Field>
      )}
      <div>
        <Button appearance="primary" disabled={busy || (mode === 'last_days' && !daysValid)} onClick={confirm} data-testid="first-sync-confirm">
          {intl.formatMessage({ id: 'mailboxes.firstSync.confirm' })}
        </Button>
      </div>
    </Card>
  );
}
