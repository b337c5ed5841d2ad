import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { SenderAuthFailure } from '../api/types';

/**
 * The ticket's opening email failed sender authentication: its From may be forged, so the server sent no
 * acknowledgement, and an agent who replies may be writing to someone who never wrote in. Said before the
 * ticket's details, so it is read before the agent replies.
 */
export interface SenderAuthWarningProps {
  failure: SenderAuthFailure;
}

/** The check that failed, as an agent knows it. */
const METHODS: Record<SenderAuthFailure, string> = {
  dmarc_fail: 'DMARC',
  compauth_fail: 'composite authentication',
};

export function SenderAuthWarning({ failure }: SenderAuthWarningProps) {
  // A pane loaded before a server upgrade can meet a code it does not know: it still warns, without the name.
  const method: string | undefined = METHODS[failure];
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="sender-auth-warning" data-failure={failure}>
      <MessageBarBody>
        <MessageBarTitle>Sender failed authentication{method ? ` (${method})` : ''}</MessageBarTitle>
        No acknowledgement was sent. Check the sender before replying.
      </MessageBarBody>
    </MessageBar>
  );
}
