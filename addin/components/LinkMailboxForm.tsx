import { Button, Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';

/** "Link a mailbox": the address, then the consent window opens from the click. */
export interface LinkMailboxFormProps {
  busy: boolean;
  onLink(address: string): void;
}

const useStyles = makeStyles({
  form: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalS },
  field: { flexGrow: 1 },
});

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function LinkMailboxForm({ busy, onLink }: LinkMailboxFormProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [address, setAddress] = useState('');
  const valid = EMAIL.test(address.trim());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid && !busy) onLink(address.trim());
  };
  return (
    <form className={styles.form} onSubmit={submit} aria-label={intl.formatMessage({ id: 'mailboxes.link.form' })}>
      <Field label={intl.formatMessage({ id: 'mailboxes.link.address' })} className={styles.field}>
        <Input type="email" value={address} placeholder="support@contoso.com" onChange={(_, d) => setAddress(d.value)} data-testid="link-address" />
      </Field>
      <Button type="submit" appearance="primary" disabled={!valid || busy} data-testid="link-submit">
        {intl.formatMessage({ id: busy ? 'mailboxes.link.busy' : 'mailboxes.link.submit' })}
      </Button>
    </form>
  );
}
