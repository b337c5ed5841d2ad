import { Button, Input, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import type { Person } from '../../api/types';
import { personText } from '../TicketCard';

/** The ticket's CCs with a remove button each, and an address field to add one. */
export interface CcEditorProps {
  ccs: Person[];
  onAdd(email: string): void;
  onRemove(userId: number): void;
}

const useStyles = makeStyles({
  list: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, margin: 0, padding: 0, listStyleType: 'none' },
  item: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXXS, backgroundColor: tokens.colorNeutralBackground3, borderRadius: tokens.borderRadiusMedium, paddingLeft: tokens.spacingHorizontalS },
  form: { display: 'flex', gap: tokens.spacingHorizontalS, marginTop: tokens.spacingVerticalXS },
  input: { flex: 1, minWidth: 0 },
});

/** Loose on purpose: the server validates; this only stops an obvious slip before a round trip. */
const looksLikeAddress = (text: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text);

export function CcEditor({ ccs, onAdd, onRemove }: CcEditorProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [address, setAddress] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const email = address.trim();
    if (!looksLikeAddress(email)) return;
    onAdd(email);
    setAddress('');
  };
  return (
    <section aria-labelledby="cc-editor-title">
      <Text as="h3" id="cc-editor-title" size={300} weight="semibold">
        {intl.formatMessage({ id: 'workspace.ccs' })}
      </Text>
      <ul className={styles.list}>
        {ccs.map((cc) => (
          <li key={`${cc.id}:${cc.email}`} className={styles.item}>
            <Text size={200}>{personText(cc)}</Text>
            <Button
              size="small"
              appearance="subtle"
              icon={<span aria-hidden="true">✕</span>}
              disabled={cc.id < 0}
              aria-label={intl.formatMessage({ id: 'workspace.ccRemove' }, { email: cc.email })}
              onClick={() => onRemove(cc.id)}
              data-testid="cc-remove"
              data-email={cc.email}
            />
          </li>
        ))}
      </ul>
      <form className={styles.form} onSubmit={submit}>
        <Input
          className={styles.input}
          size="small"
          type="email"
          value={address}
          onChange={(_, d) => setAddress(d.value)}
          aria-label={intl.formatMessage({ id: 'workspace.ccInput' })}
          placeholder={intl.formatMessage({ id: 'workspace.ccInput' })}
          data-testid="cc-input"
        />
        <Button size="small" type="submit" disabled={!looksLikeAddress(address.trim())} data-testid="cc-add">
          {intl.formatMessage({ id: 'workspace.ccAdd' })}
        </Button>
      </form>
    </section>
  );
}
