import { useCallback, useEffect, useRef, useState } from 'react';
import type { TicketCard } from '../api/types';
import { AuthError } from '../auth/errors';
import type { Session } from '../auth/session';
import type { PaneServices } from '../services';
import { failure, loadStatus, type StatusState } from './status';

/**
 * The pane's state: who is signed in and what the status view shows. It refreshes on open, on every
 * ItemChanged, after sign-in and on Retry; a slow answer for an item the user already left is dropped, so the
 * view always shows the item that is selected now.
 */
export interface PaneModel {
  status: StatusState;
  session: Session | null;
  signingIn: boolean;
  signInError: { code: string; message: string } | null;
  signIn(): void;
  refresh(): void;
  /** The agent made a ticket of the selected email: show it without asking the lookup again. */
  showTicket(ticket: TicketCard): void;
}

export function usePane(services: PaneServices): PaneModel {
  const [status, setStatus] = useState<StatusState>({ kind: 'loading' });
  const [session, setSession] = useState<Session | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const [signInError, setSignInError] = useState<PaneModel['signInError']>(null);
  const latest = useRef(0);

  const refresh = useCallback(async (): Promise<void> => {
    const mine = ++latest.current;
    setStatus({ kind: 'loading' });
    let next: StatusState;
    try {
      const auth = await services.auth();
      // First the token: without one the pane asks for sign-in, whether or not an item is selected.
      await auth.token();
      if (mine === latest.current) setSession(auth.session());
      next = services.host.inOutlook ? await loadStatus(await services.currentItem(), services.api) : { kind: 'outside_outlook' };
    } catch (error) {
      next = failure(null, error);
    }
    if (mine === latest.current) setStatus(next);
  }, [services]);

  useEffect(() => {
    let remove: (() => Promise<void>) | undefined;
    let gone = false;
    void refresh();
    if (services.host.inOutlook) {
      services.onItemChanged(() => void refresh()).then(
        (remover) => (gone ? void remover() : (remove = remover)),
        (error: unknown) => setStatus(failure(null, error)),
      );
    }
    return () => {
      gone = true;
      void remove?.();
    };
  }, [services, refresh]);

  const signIn = useCallback(async (): Promise<void> => {
    setSigningIn(true);
    setSignInError(null);
    try {
      const auth = await services.auth();
      setSession(await auth.signIn());
      await refresh();
    } catch (error) {
      setSignInError(error instanceof AuthError ? { code: error.code, message: error.message } : { code: 'sign_in_failed', message: String(error) });
    } finally {
      setSigningIn(false);
    }
  }, [services, refresh]);

  const showTicket = useCallback(
    (ticket: TicketCard) => setStatus((s) => (s.kind === 'no_ticket' ? { kind: 'ticket', item: s.item, ticket, disposition: 'created_from_message' } : s)),
    [],
  );

  return { status, session, signingIn, signInError, signIn: () => void signIn(), refresh: () => void refresh(), showTicket };
}
