import { Button, MessageBar, MessageBarBody, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { Agent, TicketCard as TicketCardData, TicketDetail } from '../../api/types';
import type { PaneServices } from '../../services';
import { useTicket } from '../../state/use-ticket';
import { LoadingSkeleton } from '../LoadingSkeleton';
import { TicketCard } from '../TicketCard';
import { ActionFeedback } from './ActionFeedback';
import { CcEditor } from './CcEditor';
import { ConflictBanner } from './ConflictBanner';
import { Conversation } from './Conversation';
import { DraftComposer } from './DraftComposer';
import { TicketActions } from './TicketActions';

/**
 * The agents' workspace for one ticket: header, actions, composer, conversation. The lookup's card (or the
 * queue's row) shows at once; the full ticket follows. Render with `key={ticketId}` so another ticket starts
 * from a clean state.
 */
export interface TicketWorkspaceProps {
  services: PaneServices;
  /** The lookup's card or the created ticket (with comments: then nothing is fetched before it shows). */
  initial: TicketCardData | TicketDetail;
  me: Agent | null;
  agents: Agent[] | null;
  /** Whose drafts these are (the signed-in user). */
  user: string;
  /** From the queue: the way back to the list. */
  onBack?: () => void;
}

const useStyles = makeStyles({ root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM } });

const isDetail = (t: TicketCardData | TicketDetail): t is TicketDetail => Array.isArray((t as Partial<TicketDetail>).comments);

export function TicketWorkspace({ services, initial, me, agents, user, onBack }: TicketWorkspaceProps) {
  const styles = useStyles();
  const intl = useIntl();
  const model = useTicket(services, initial.id, isDetail(initial) ? initial : null);
  const ticket = model.ticket;
  const shown = ticket ?? initial;
  const graphId = ticket?.originalMessageGraphId ?? null;

  return (
    <section
      className={styles.root}
      aria-label={intl.formatMessage({ id: 'ticket.label' }, { reference: shown.reference })}
      data-testid="ticket-view"
      data-ticket-id={shown.id}
      data-version={ticket?.version ?? initial.version}
      data-sync={model.sync}
    >
      {onBack && (
        <Button appearance="subtle" size="small" onClick={onBack} data-testid="queue-back">
          {intl.formatMessage({ id: 'workspace.back' })}
        </Button>
      )}
      {model.conflict && <ConflictBanner conflict={model.conflict} onReload={model.reload} />}
      <TicketCard ticket={shown} />
      {graphId && services.openMessage && (
        <Button size="small" onClick={() => services.openMessage?.(graphId)} data-testid="open-original">
          {intl.formatMessage({ id: 'workspace.openOriginal' })}
        </Button>
      )}
      <ActionFeedback sync={model.sync} saved={model.saved} error={model.error} />
      {model.loadError && !ticket && (
        <MessageBar intent="error" data-testid="action-error" data-code={model.loadError.code}>
          <MessageBarBody>{intl.formatMessage({ id: 'workspace.loadFailed' }, { ...model.loadError })}</MessageBarBody>
        </MessageBar>
      )}
      {!ticket ? (
        !model.loadError && <LoadingSkeleton />
      ) : (
        <>
          <TicketActions
            ticket={ticket}
            me={me}
            agents={agents}
            onStatus={model.setStatus}
            onAssign={model.assign}
            onFollow={(follow) => me && (follow ? model.follow(me) : model.unfollow(me))}
          />
          <CcEditor ccs={ticket.ccs} onAdd={model.addCc} onRemove={model.removeCc} />
          <DraftComposer services={services} ticket={ticket} send={model.send} me={me} user={user} />
          <Conversation services={services} ticketId={ticket.id} comments={ticket.comments} />
        </>
      )}
    </section>
  );
}

export default TicketWorkspace;
