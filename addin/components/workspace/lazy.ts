import { lazy } from 'react';

/**
 * The workspace and the create-ticket form as chunks of their own: the initial bundle only needs the ticket
 * card, which shows (as the Suspense fallback) while they load, so the status is on screen as soon as the
 * lookup answers. App and the queue share these, so both load the same chunk.
 */
export const LazyTicketWorkspace = lazy(() => import(/* webpackChunkName: "workspace" */ './TicketWorkspace'));
export const LazyCreateTicket = lazy(() => import(/* webpackChunkName: "create-ticket" */ './CreateTicket'));
