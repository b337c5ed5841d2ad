import { Suspense, lazy, useState } from 'react';
import type { Agent, TicketDetail, TicketStatus } from '../../api/types';
import type { PaneServices } from '../../services';
import { useDraft } from '../../state/use-draft';
import type { TicketModel } from '../../state/use-ticket';
import { LoadingSkeleton } from '../LoadingSkeleton';

/**
 * The composer with its draft: the text is stored per user and ticket on every change, and forgotten only once
 * the server took the comment, so a conflict or a failure never loses a word. The composer itself is a chunk.
 */
export interface DraftComposerProps {
  services: Pick<PaneServices, 'storage'>;
  ticket: TicketDetail;
  send: TicketModel['send'];
  me: Agent | null;
  /** Whose drafts these are (the signed-in user). */
  user: string;
}

const Composer = lazy(() => import(/* webpackChunkName: "composer" */ './Composer'));

export function DraftComposer({ services, ticket, send, me, user }: DraftComposerProps) {
  const draft = useDraft(services.storage, user, ticket.id);
  const [sending, setSending] = useState(false);
  const mode = draft.draft.mode;

  const onSend = async (status?: TicketStatus) => {
    setSending(true);
    // Without GET /api/me the comment still goes; only the optimistic copy's author is the signed-in name.
    const author: Agent = me ?? { id: 0, email: user, name: null, role: 'agent' };
    const ok = await send({ body: draft.draft[mode], visibility: mode === 'reply' ? 'public' : 'internal', ...(status ? { status } : {}) }, author);
    setSending(false);
    if (ok) draft.sent(mode);
  };

  return (
    <Suspense fallback={<LoadingSkeleton />}>
      <Composer
        mode={mode}
        text={draft.draft[mode]}
        requester={ticket.requester}
        ccs={ticket.ccs}
        followers={ticket.followers}
        busy={sending}
        onMode={draft.setMode}
        onText={draft.setText}
        onSend={(status) => void onSend(status)}
      />
    </Suspense>
  );
}
