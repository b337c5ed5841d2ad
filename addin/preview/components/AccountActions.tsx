import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { PreviewPerson } from '../preview-api';
import { useText } from '../preview-text';

/** Sign in as one of the demo people (the sandbox's consent page in a dialog), and link the demo mailbox as the admin. */
export interface AccountActionsProps {
  people: readonly PreviewPerson[];
  /** Who Outlook's user is now (after a sign-in from here), or null. */
  signedIn: { upn: string; name: string; role: PreviewPerson['role'] } | null;
  busy: boolean;
  onSignIn(person: PreviewPerson): void;
  onLink(): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  who: { color: tokens.colorNeutralForeground3, marginLeft: tokens.spacingHorizontalS },
});

export function AccountActions({ people, signedIn, busy, onSignIn, onLink }: AccountActionsProps) {
  const styles = useStyles();
  const t = useText();
  const admin = signedIn?.role === 'admin';
  return (
    <div className={styles.root}>
      {people.map((p) => (
        <Button key={p.upn} appearance={p.role === 'admin' ? 'primary' : 'secondary'} disabled={busy} onClick={() => onSignIn(p)} data-testid={`sign-in-as-${p.role}`} data-upn={p.upn}>
          {t('preview.signInAs', { name: p.name, role: p.role })}
        </Button>
      ))}
      <Button disabled={busy || !admin} title={admin ? undefined : t('preview.link.needsAdmin')} onClick={onLink} data-testid="link-demo-mailbox">
        {t('preview.link')}
      </Button>
      {signedIn && (
        <Text className={styles.who} data-testid="outlook-user" data-upn={signedIn.upn}>
          {t('preview.signedInAs', { name: signedIn.name })}
        </Text>
      )}
    </div>
  );
}
