import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { FormattedMessage } from 'react-intl';

/** Something failed: what (the server's or the client's error code and message) and a Retry. */
export interface ErrorStateProps {
  code: string;
  message: string;
  onRetry(): void;
}

export function ErrorState({ code, message, onRetry }: ErrorStateProps) {
  return (
    <MessageBar intent="error" layout="multiline" data-testid="error" data-code={code}>
      <MessageBarBody>
        <MessageBarTitle>
          <FormattedMessage id="feedback.error.title" />
        </MessageBarTitle>
        {message} <code>({code})</code>
      </MessageBarBody>
      <MessageBarActions>
        <Button appearance="primary" onClick={onRetry}>
          <FormattedMessage id="common.retry" />
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
