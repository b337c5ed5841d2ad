import { Button, MessageBar, MessageBarBody, Text, makeStyles, tokens } from '@fluentui/react-components';
import { FormattedMessage } from 'react-intl';

/** No token: a Sign in button (a popup, so it must come from a click) and the last attempt's error. */
export interface SignInNeededProps {
  busy: boolean;
  error: { code: string; message: string } | null;
  onSignIn(): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, padding: tokens.spacingVerticalL, alignItems: 'flex-start' },
  flush: { margin: 0 },
});

export function SignInNeeded({ busy, error, onSignIn }: SignInNeededProps) {
  const styles = useStyles();
  return (
    <div className={styles.root} data-testid="sign-in-needed">
      <Text as="h2" size={400} weight="semibold" className={styles.flush}>
        <FormattedMessage id="signIn.title" />
      </Text>
      <Text as="p" className={styles.flush}>
        <FormattedMessage id="signIn.explanation" />
      </Text>
      {error && (
        <MessageBar intent={error.code === 'sign_in_cancelled' ? 'warning' : 'error'} data-testid="sign-in-error" data-code={error.code}>
          <MessageBarBody>{error.message}</MessageBarBody>
        </MessageBar>
      )}
      <Button appearance="primary" onClick={onSignIn} disabled={busy} data-testid="sign-in">
        {busy ? <FormattedMessage id="signIn.busy" /> : <FormattedMessage id="signIn.button" />}
      </Button>
    </div>
  );
}
