import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { TenantWideChoice } from '../state/app-only-link';

/**
 * 422 app_not_scoped, in the admin's words: the app read a mailbox that must stay out of reach, so it can read
 * every mailbox of the tenant. The fix comes first; linking anyway is the secondary choice, reported tenant-wide.
 */
export interface AppNotScopedWarningProps {
  choice: TenantWideChoice;
  busy: boolean;
  onAccept(): void;
  onDismiss(): void;
}

export function AppNotScopedWarning({ choice, busy, onAccept, onDismiss }: AppNotScopedWarningProps) {
  const intl = useIntl();
  const values = { address: choice.address, probe: choice.probe };
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="app-not-scoped" data-code="app_not_scoped" data-probe={choice.probe}>
      <MessageBarBody>
        <MessageBarTitle>{intl.formatMessage({ id: 'mailboxes.appOnly.notScoped.title' }, values)}</MessageBarTitle>
        {intl.formatMessage({ id: choice.probe ? 'mailboxes.appOnly.notScoped.why' : 'mailboxes.appOnly.notScoped.whyNoProbe' }, values)}{' '}
        {intl.formatMessage({ id: 'mailboxes.appOnly.notScoped.fix' })}
      </MessageBarBody>
      <MessageBarActions>
        <Button size="small" disabled={busy} onClick={onAccept} data-testid="app-not-scoped-accept">
          {intl.formatMessage({ id: choice.retry.kind === 'link' ? 'mailboxes.appOnly.notScoped.linkAnyway' : 'mailboxes.appOnly.notScoped.keepAnyway' })}
        </Button>
        <Button size="small" appearance="subtle" onClick={onDismiss}>
          {intl.formatMessage({ id: 'mailboxes.appOnly.notScoped.dismiss' })}
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
