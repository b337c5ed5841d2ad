import type { StatusState } from '../state/status';
import { EmptyState } from './EmptyState';
import { ErrorState } from './ErrorState';
import { LoadingSkeleton } from './LoadingSkeleton';
import { NoTicket } from './NoTicket';
import { SignInNeeded, type SignInNeededProps } from './SignInNeeded';
import { TicketCard } from './TicketCard';

/**
 * One of the status view's states. The wrapper names the state and the item it is about, so tests (and the
 * benchmark) can wait for exactly "the card for this email".
 */
export interface StatusViewProps {
  state: StatusState;
  signIn: SignInNeededProps;
  onRetry(): void;
}

export function StatusView({ state, signIn, onRetry }: StatusViewProps) {
  const item = 'item' in state ? state.item : null;
  return (
    <section aria-live="polite" data-testid="status" data-state={state.kind} data-message-id={item?.internetMessageId ?? ''}>
      {render(state, signIn, onRetry)}
    </section>
  );
}

function render(state: StatusState, signIn: SignInNeededProps, onRetry: () => void) {
  switch (state.kind) {
    case 'loading':
      return <LoadingSkeleton />;
    case 'nothing_selected':
      return <EmptyState testId="nothing-selected" title="No email selected" message="Select an email to see its ticket." />;
    case 'outside_outlook':
      return <EmptyState testId="outside-outlook" title="Open Relaydesk in Outlook" message="Open Relaydesk from an email in Outlook to see its ticket." />;
    case 'no_message_id':
      return <EmptyState testId="no-message-id" title="Not an email Relaydesk can track" message="This item has no Internet Message-ID (a draft, or a meeting item), so it cannot belong to a ticket." />;
    case 'sign_in_needed':
      return <SignInNeeded {...signIn} />;
    case 'ticket':
      return <TicketCard ticket={state.ticket} />;
    case 'no_ticket':
      return <NoTicket reason={state.reason} detail={state.detail} />;
    case 'error':
      return <ErrorState code={state.code} message={state.message} onRetry={onRetry} />;
  }
}
