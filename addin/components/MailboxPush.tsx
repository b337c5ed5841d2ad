import { Text, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { MailboxView } from '../api/types';

/** Whether Microsoft pushes the mailbox's changes, or why not (polling then carries it, only slower). */
export interface MailboxPushProps {
  push: MailboxView['push'];
}

const useStyles = makeStyles({
  text: { color: tokens.colorNeutralForeground2 },
});

export function MailboxPush({ push }: MailboxPushProps) {
  const styles = useStyles();
  const intl = useIntl();
  const text =
    push.state === 'on'
      ? intl.formatMessage({ id: 'mailboxes.push.on' })
      : push.reason
        ? intl.formatMessage({ id: 'mailboxes.push.off' }, { reason: push.reason })
        : intl.formatMessage({ id: 'mailboxes.push.offPolling' });
  return (
    <Text size={200} className={styles.text} data-testid="mailbox-push" data-state={push.state}>
      {text}
    </Text>
  );
}
