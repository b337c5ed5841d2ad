import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { FormattedMessage } from 'react-intl';
import type { SenderAuthFailure } from '../api/types';

/**
 * The ticket's opening email failed sender authentication: its From may be forged, so the server sent no
 * acknowledgement, and an agent who replies may be writing to someone who never wrote in. Said before the
 * ticket's details, so it is read before the agent replies.
 */
export interface SenderAuthWarningProps {
  failure: SenderAuthFailure;
}

export function SenderAuthWarning({ failure }: SenderAuthWarningProps) {
  // The message names the check that failed; a code it does not know (a pane loaded before a server upgrade)
  // still warns, without the name.
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="sender-auth-warning" data-failure={failure}>
      <MessageBarBody>
        <MessageBarTitle>
          <FormattedMessage id="feedback.senderAuth.title" values={{ failure }} />
        </MessageBarTitle>
        <FormattedMessage id="feedback.senderAuth.body" />
      </MessageBarBody>
    </MessageBar>
  );
}
