import { Badge, Button, Card, Text, makeStyles, tokens, type BadgeProps } from '@fluentui/react-components';
import { useState } from 'react';
import type { MailboxState, MailboxView } from '../api/types';

/** One linked mailbox: state, health, and the actions its state allows. Unlink asks for a second click. */
export interface MailboxCardProps {
  mailbox: MailboxView;
  busy: boolean;
  onReauthorize(): void;
  onPause(): void;
  onResume(): void;
  onUnlink(): void;
}

const STATE: Record<MailboxState, { label: string; color: BadgeProps['color'] }> = {
  active: { label: 'Active', color: 'success' },
  paused: { label: 'Paused', color: 'informative' },
  needs_reauth: { label: 'Needs re-authorization', color: 'danger' },
  pending: { label: 'Waiting for consent', color: 'warning' },
  unlinked: { label: 'Unlinked', color: 'subtle' },
};

const useStyles = makeStyles({
  header: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS },
  health: { color: tokens.colorNeutralForeground2 },
  error: { color: tokens.colorPaletteRedForeground1 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
});

export function MailboxCard({ mailbox: m, busy, onReauthorize, onPause, onResume, onUnlink }: MailboxCardProps) {
  const styles = useStyles();
  const [confirming, setConfirming] = useState(false);
  const h = m.health;
  const lastSync = h.lastSyncAt ? new Date(h.lastSyncAt).toLocaleString() : 'never';
  return (
    <Card data-testid="mailbox" data-address={m.address} data-state={m.state}>
      <div className={styles.header}>
        <Text weight="semibold">{m.address}</Text>
        <Badge appearance="tint" color={STATE[m.state].color} data-testid="mailbox-state">
          {STATE[m.state].label}
        </Badge>
      </div>
      <Text size={200} className={styles.health} data-testid="mailbox-health">
        Last sync {lastSync} · lag {h.lagSeconds} s · {h.messagesIngested} emails ingested
        {h.consecutiveFailures > 0 ? ` · ${h.consecutiveFailures} failed syncs` : ''}
      </Text>
      {h.lastError && (
        <Text size={200} className={styles.error} data-testid="mailbox-error" data-code={h.lastError.code}>
          {h.lastError.code}: {h.lastError.message ?? ''}
        </Text>
      )}
      <div className={styles.actions}>
        <Button size="small" disabled={busy} onClick={onReauthorize}>Re-authorize</Button>
        {m.state === 'active' && <Button size="small" disabled={busy} onClick={onPause}>Pause</Button>}
        {m.state === 'paused' && <Button size="small" disabled={busy} onClick={onResume}>Resume</Button>}
        {confirming ? (
          <>
            <Button size="small" appearance="primary" disabled={busy} onClick={() => { setConfirming(false); onUnlink(); }}>Unlink {m.address}</Button>
            <Button size="small" appearance="subtle" onClick={() => setConfirming(false)}>Keep</Button>
          </>
        ) : (
          <Button size="small" disabled={busy} onClick={() => setConfirming(true)}>Unlink</Button>
        )}
      </div>
    </Card>
  );
}
