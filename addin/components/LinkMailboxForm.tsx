import { Button, Field, Input, Radio, RadioGroup, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import type { AppOnlySetup, LinkOptions, MailboxAuthMode } from '../api/types';
import { AppOnlySetupSection } from './AppOnlySetupSection';

/**
 * "Link a mailbox": how Relaydesk reaches it, then the address. Signing in as the mailbox opens the consent
 * window from the click; a shared mailbox (app-only) is linked at once by the server's own checks, with an
 * optional address that must stay out of reach and the Exchange Online setup to copy.
 */
export interface LinkMailboxFormProps {
  busy: boolean;
  /** The server's preferred mode; null until known (delegated is shown meanwhile). */
  defaultMode: MailboxAuthMode | null;
  onLink(address: string, options: LinkOptions): void;
  loadSetup(addresses: readonly string[]): Promise<AppOnlySetup>;
  copy(text: string): Promise<void>;
}

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalS },
  field: { flexGrow: 1 },
});

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function LinkMailboxForm({ busy, defaultMode, onLink, loadSetup, copy }: LinkMailboxFormProps) {
  const styles = useStyles();
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  // The admin's pick wins; until they pick, the server's preference (it may arrive after the first render).
  const [picked, setPicked] = useState<MailboxAuthMode | null>(null);
  const mode = picked ?? defaultMode ?? 'delegated';
  const [address, setAddress] = useState('');
  const [outOfScope, setOutOfScope] = useState('');
  const typed = address.trim();
  const probe = outOfScope.trim();
  const valid = EMAIL.test(typed) && (mode === 'delegated' || probe === '' || EMAIL.test(probe));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid || busy) return;
    onLink(typed, mode === 'application' ? { mode, ...(probe ? { outOfScopeAddress: probe } : {}) } : { mode });
  };
  return (
    <form className={styles.form} onSubmit={submit} aria-label={t('mailboxes.link.form')}>
      <Field label={t('mailboxes.link.mode')}>
        <RadioGroup value={mode} onChange={(_, d) => setPicked(d.value as MailboxAuthMode)} data-testid="link-mode">
          <Radio value="delegated" label={t('mailboxes.link.mode.delegated')} data-testid="link-mode-delegated" />
          <Radio value="application" label={t('mailboxes.link.mode.application')} data-testid="link-mode-application" />
        </RadioGroup>
      </Field>
      <div className={styles.row}>
        <Field label={t('mailboxes.link.address')} className={styles.field}>
          <Input type="email" value={address} placeholder="support@contoso.com" onChange={(_, d) => setAddress(d.value)} data-testid="link-address" />
        </Field>
        <Button type="submit" appearance="primary" disabled={!valid || busy} data-testid="link-submit">
          {t(busy ? 'mailboxes.link.busy' : 'mailboxes.link.submit')}
        </Button>
      </div>
      {mode === 'application' && (
        <>
          <Field label={t('mailboxes.link.outOfScope')} hint={t('mailboxes.link.outOfScope.hint')} validationState={probe && !EMAIL.test(probe) ? 'error' : 'none'}>
            <Input type="email" value={outOfScope} onChange={(_, d) => setOutOfScope(d.value)} data-testid="link-out-of-scope" />
          </Field>
          <AppOnlySetupSection address={EMAIL.test(typed) ? typed : ''} loadSetup={loadSetup} copy={copy} />
        </>
      )}
    </form>
  );
}
