import { Button, MessageBar, MessageBarBody, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { Fragment } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { copyText } from '../browser/clipboard';
import type { PaneServices } from '../services';
import { useMailboxes, type Notice } from '../state/use-mailboxes';
import { AppNotScopedWarning } from './AppNotScopedWarning';
import { FirstSyncCard } from './FirstSyncCard';
import { LinkMailboxForm } from './LinkMailboxForm';
import { MailboxCard } from './MailboxCard';

/** Admins only (the server enforces it): the linked mailboxes, their health, and linking. Loaded lazily. */
export interface MailboxesViewProps {
  services: Pick<PaneServices, 'api' | 'consent'>;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

function NoticeBar({ notice, testId }: { notice: Notice; testId: string }) {
  return (
    <MessageBar intent={notice.intent} data-testid={testId} data-code={notice.code}>
      <MessageBarBody>{notice.message}</MessageBarBody>
    </MessageBar>
  );
}

export function MailboxesView({ services }: MailboxesViewProps) {
  const styles = useStyles();
  const intl = useIntl();
  const m = useMailboxes(services);
  return (
    <section className={styles.root} data-testid="mailboxes-view">
      <LinkMailboxForm busy={m.busy !== null} defaultMode={m.defaultLinkMode} onLink={m.link} loadSetup={m.appOnlySetup} copy={copyText} />
      {m.tenantWide && <AppNotScopedWarning choice={m.tenantWide} busy={m.busy !== null} onAccept={m.acceptTenantWide} onDismiss={m.dismissTenantWide} />}
      {m.notice && <NoticeBar notice={m.notice} testId="mailboxes-notice" />}
      {m.loadError && (
        <>
          <NoticeBar notice={m.loadError} testId="mailboxes-error" />
          <Button onClick={m.reload}>
            <FormattedMessage id="common.retry" />
          </Button>
        </>
      )}
      {m.mailboxes === null && !m.loadError && <Spinner label={intl.formatMessage({ id: 'mailboxes.loading' })} />}
      {m.mailboxes?.length === 0 && (
        <Text>
          <FormattedMessage id="mailboxes.none" />
        </Text>
      )}
      {m.mailboxes?.map((mailbox) => (
        <Fragment key={mailbox.id}>
          {/* Linked (it has tokens to count with) and waiting for the admin's choice: nothing syncs until then. */}
          {mailbox.firstSync.mode === null && (mailbox.state === 'active' || mailbox.state === 'paused') && (
            <FirstSyncCard
              mailboxId={mailbox.id}
              address={mailbox.address}
              busy={m.busy !== null}
              loadPreview={m.firstSyncPreview}
              onConfirm={(choice) => m.chooseFirstSync(mailbox.id, choice)}
            />
          )}
          <MailboxCard
            mailbox={mailbox}
            busy={m.busy !== null}
            onReauthorize={() => m.reauthorize(mailbox.id)}
            onPause={() => m.pause(mailbox.id)}
            onResume={() => m.resume(mailbox.id)}
            onUnlink={() => m.unlink(mailbox.id)}
            onLanguage={(language) => m.setLanguage(mailbox.id, language)}
            onAfterIngest={(action, folder) => m.setAfterIngest(mailbox.id, action, folder)}
          />
        </Fragment>
      ))}
    </section>
  );
}

export default MailboxesView;
