import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';

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
        <MessageBarTitle>Could not load the ticket</MessageBarTitle>
        {message} <code>({code})</code>
      </MessageBarBody>
      <MessageBarActions>
        <Button appearance="primary" onClick={onRetry}>
          Retry
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
