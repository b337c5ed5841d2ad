import { Button, Field, Select, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { MAIL_KINDS, type MailKind } from '../preview-api';
import { useText } from '../preview-text';

/** "Send a customer email": one of a few ready-made kinds, delivered into the demo mailbox by the sandbox. (ICU select keys take no '-'.) */
export interface SendMailFormProps {
  busy: boolean;
  onSend(kind: MailKind): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalS },
});

export function SendMailForm({ busy, onSend }: SendMailFormProps) {
  const styles = useStyles();
  const t = useText();
  const [kind, setKind] = useState<MailKind>('question');
  return (
    <form
      className={styles.root}
      onSubmit={(event) => {
        event.preventDefault();
        onSend(kind);
      }}
    >
      <Field label={t('preview.send.kind')}>
        <Select value={kind} onChange={(_e, data) => setKind(data.value as MailKind)} data-testid="mail-kind">
          {MAIL_KINDS.map((k) => (
            <option key={k} value={k}>
              {t('preview.kind', { kind: k.replace('-', '_') })}
            </option>
          ))}
        </Select>
      </Field>
      <Button type="submit" appearance="primary" disabled={busy} data-testid="send-customer-email">
        {t('preview.send')}
      </Button>
    </form>
  );
}
