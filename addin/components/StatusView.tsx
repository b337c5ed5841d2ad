import type { ReactNode } from 'react';
import { useIntl } from 'react-intl';
import type { NoTicketReason, TicketCard as TicketCardData } from '../api/types';
import type { MailItem } from '../office/types';
import type { StatusState } from '../state/status';
import { EmptyState } from './EmptyState';
import { ErrorState } from './ErrorState';
import { LoadingSkeleton } from './LoadingSkeleton';
import { NoTicket } from './NoTicket';
import { SignInNeeded, type SignInNeededProps } from './SignInNeeded';
import { TicketCard } from './TicketCard';

/**
 * One of the status view's states. The wrapper names the state and the item it is about, so tests (and the
 * benchmark) can wait for exactly "the card for this email". The pane passes `workspace` and `createTicket`
 * to turn the card into the agents' workspace; without them (tests of the states) the plain card shows.
 */
export interface StatusViewProps {
  state: StatusState;
  signIn: SignInNeededProps;
  onRetry(): void;
  workspace?: (ticket: TicketCardData) => ReactNode;
  createTicket?: (item: MailItem, reason: NoTicketReason) => ReactNode;
}

export function StatusView({ state, signIn, onRetry, workspace, createTicket }: StatusViewProps) {
  const item = 'item' in state ? state.item : null;
  return (
    // Announced politely when the selection's state changes; not inside the workspace, which changes with every
    // poll and announces its own saves and failures.
    <section
      aria-live={state.kind === 'ticket' ? 'off' : 'polite'}
      data-testid="status"
      data-state={state.kind}
      data-message-id={item?.internetMessageId ?? ''}
    >
      <Content state={state} signIn={signIn} onRetry={onRetry} workspace={workspace} createTicket={createTicket} />
    </section>
  );
}

function Content({ state, signIn, onRetry, workspace, createTicket }: StatusViewProps) {
  const intl = useIntl();
  const t = (id: string) => intl.formatMessage({ id });
  switch (state.kind) {
    case 'loading':
      return <LoadingSkeleton />;
    case 'nothing_selected':
      return <EmptyState testId="nothing-selected" title={t('pane.nothingSelected.title')} message={t('pane.nothingSelected.message')} />;
    case 'outside_outlook':
      return <EmptyState testId="outside-outlook" title={t('pane.outsideOutlook.title')} message={t('pane.outsideOutlook.message')} />;
    case 'no_message_id':
      return <EmptyState testId="no-message-id" title={t('pane.noMessageId.title')} message={t('pane.noMessageId.message')} />;
    case 'sign_in_needed':
      return <SignInNeeded {...signIn} />;
    case 'ticket':
      return workspace ? workspace(state.ticket) : <TicketCard ticket={state.ticket} />;
    case 'no_ticket':
      return <NoTicket reason={state.reason} detail={state.detail} action={createTicket?.(state.item, state.reason)} />;
    case 'error':
      return <ErrorState code={state.code} message={state.message} onRetry={onRetry} />;
  }
}
