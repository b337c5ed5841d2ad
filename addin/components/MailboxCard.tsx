import { Badge, Button, Card, Field, Select, Text, makeStyles, tokens, type BadgeProps } from '@fluentui/react-components';
import { useState } from 'react';
import { useIntl } from 'react-intl';
import type { AfterIngestAction, MailboxLanguage, MailboxState, MailboxView } from '../api/types';
import { PANE_LOCALES } from '../i18n/locale';
import { AfterIngestSetting } from './AfterIngestSetting';
import { AppAccessBadges } from './AppAccessBadges';
import { CredentialWarnings } from './CredentialWarnings';
import { MailboxPush } from './MailboxPush';

/**
 * One linked mailbox: state, health, push, credential warnings, its emails' language, what becomes of mail
 * after ingest, and the actions its state allows. Unlink asks for a second click.
 */
export interface MailboxCardProps {
  mailbox: MailboxView;
  busy: boolean;
  onReauthorize(): void;
  onPause(): void;
  onResume(): void;
  onUnlink(): void;
  onLanguage(language: MailboxLanguage): void;
  onAfterIngest(action: AfterIngestAction, folder: string | null): void;
}

const STATE_COLOR: Record<MailboxState, BadgeProps['color']> = {
  active: 'success',
  paused: 'informative',
  needs_reauth: 'danger',
  pending: 'warning',
  unlinked: 'subtle',
};

const useStyles = makeStyles({
  header: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS },
  health: { color: tokens.colorNeutralForeground2 },
  error: { color: tokens.colorPaletteRedForeground1 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
});

export function MailboxCard({ mailbox: m, busy, onReauthorize, onPause, onResume, onUnlink, onLanguage, onAfterIngest }: MailboxCardProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [confirming, setConfirming] = useState(false);
  const h = m.health;
  // Application mode holds no refresh token, and "re-authorizing" it means running the access checks again.
  const app = m.authMode === 'application';
  const warnings = app ? m.credentials.warnings.filter((w) => w.kind !== 'refresh_token_inactive') : m.credentials.warnings;
  const reauthorizeLabel = intl.formatMessage({ id: app ? 'mailboxes.appOnly.recheck' : 'mailboxes.reauthorize' });
  const lastSync = h.lastSyncAt ? intl.formatDate(h.lastSyncAt, { dateStyle: 'medium', timeStyle: 'short' }) : intl.formatMessage({ id: 'mailboxes.health.never' });
  return (
    <Card data-testid="mailbox" data-address={m.address} data-state={m.state} data-auth-mode={m.authMode}>
      <div className={styles.header}>
        <Text weight="semibold">{m.address}</Text>
        <Badge appearance="tint" color={STATE_COLOR[m.state]} data-testid="mailbox-state">
          {intl.formatMessage({ id: `mailboxes.state.${m.state}` })}
        </Badge>
      </div>
      {app && <AppAccessBadges access={m.appAccess} />}
      {m.stateReason && m.state === 'needs_reauth' && (
        <Text size={200} className={styles.error} data-testid="mailbox-state-reason">{m.stateReason}</Text>
      )}
      <Text size={200} className={styles.health} data-testid="mailbox-health">
        {intl.formatMessage({ id: 'mailboxes.health' }, { lastSync, lag: h.lagSeconds, ingested: h.messagesIngested, failures: h.consecutiveFailures })}
      </Text>
      <MailboxPush push={m.push} />
      <CredentialWarnings warnings={warnings} busy={busy} onReauthorize={onReauthorize} reauthorizeLabel={reauthorizeLabel} />
      {h.lastError && (
        <Text size={200} className={styles.error} data-testid="mailbox-error" data-code={h.lastError.code}>
          {h.lastError.code}: {h.lastError.message ?? ''}
        </Text>
      )}
      <Field label={intl.formatMessage({ id: 'mailboxes.language' })} size="small">
        <Select size="small" value={m.language} disabled={busy} onChange={(_, d) => onLanguage(d.value as MailboxLanguage)} data-testid="mailbox-language">
          {PANE_LOCALES.map((language) => (
            <option key={language} value={language} lang={language}>
              {intl.formatMessage({ id: `mailboxes.language.${language}` })}
            </option>
          ))}
        </Select>
      </Field>
      <AfterIngestSetting afterIngest={m.afterIngest} busy={busy} onSave={onAfterIngest} />
      <div className={styles.actions}>
        <Button size="small" disabled={busy} onClick={onReauthorize} data-testid="mailbox-reauthorize">{reauthorizeLabel}</Button>
        {m.state === 'active' && <Button size="small" disabled={busy} onClick={onPause}>{intl.formatMessage({ id: 'mailboxes.pause' })}</Button>}
        {m.state === 'paused' && <Button size="small" disabled={busy} onClick={onResume}>{intl.formatMessage({ id: 'mailboxes.resume' })}</Button>}
        {confirming ? (
          <>
            <Button size="small" appearance="primary" disabled={busy} onClick={() => { setConfirming(false); onUnlink(); }}>{intl.formatMessage({ id: 'mailboxes.unlinkConfirm' }, { address: m.address })}</Button>
            <Button size="small" appearance="subtle" onClick={() => setConfirming(false)}>{intl.formatMessage({ id: 'mailboxes.keep' })}</Button>
          </>
        ) : (
          <Button size="small" disabled={busy} onClick={() => setConfirming(true)}>{intl.formatMessage({ id: 'mailboxes.unlink' })}</Button>
        )}
      </div>
    </Card>
  );
}
