import type { Client } from '@microsoft/microsoft-graph-client';
import { toGraphRequestError } from './errors';

/**
 * Change notifications on a mailbox's Inbox: create, renew and delete its subscription, through the mailbox's
 * own client (so the calls share the mailbox's governor and token). Errors leave as GraphRequestError.
 */

export interface InboxSubscriptionRequest {
  address: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  expiresAt: Date;
  /** Echoed in every notification; Graph allows at most 128 characters. */
  clientState: string;
}

export interface GraphSubscription {
  id: string;
  expiresAt: string;
}

/** POST /subscriptions for new mail in the Inbox. Graph validates notificationUrl before it answers. */
export async function createInboxSubscription(client: Client, request: InboxSubscriptionRequest): Promise<GraphSubscription> {
  try {
    const created = (await client.api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: request.notificationUrl,
      lifecycleNotificationUrl: request.lifecycleNotificationUrl,
      resource: `/users/${request.address}/mailFolders('inbox')/messages`,
      expirationDateTime: request.expiresAt.toISOString(),
      clientState: request.clientState,
    })) as { id?: unknown; expirationDateTime?: unknown };
    return subscriptionOf(created, request.expiresAt);
  } catch (error) {
    throw toGraphRequestError(error);
  }
}

/** PATCH /subscriptions/{id}: a new expiry (and, with a valid token, reauthorization). 404: it is gone. */
export async function renewSubscription(client: Client, subscriptionId: string, expiresAt: Date): Promise<GraphSubscription> {
  try {
    const renewed = (await client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).patch({ expirationDateTime: expiresAt.toISOString() })) as { id?: unknown; expirationDateTime?: unknown };
    return subscriptionOf({ ...renewed, id: renewed.id ?? subscriptionId }, expiresAt);
  } catch (error) {
    throw toGraphRequestError(error);
  }
}

export async function deleteSubscription(client: Client, subscriptionId: string): Promise<void> {
  try {
    await client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete();
  } catch (error) {
    throw toGraphRequestError(error);
  }
}

function subscriptionOf(body: { id?: unknown; expirationDateTime?: unknown }, asked: Date): GraphSubscription {
  if (typeof body.id !== 'string' || body.id === '') throw new Error('Graph answered a subscription without an id');
  // Graph may shorten the lifetime it was asked for; its own expiry is the one to renew by.
  const expiresAt = typeof body.expirationDateTime === 'string' && !Number.isNaN(Date.parse(body.expirationDateTime)) ? new Date(body.expirationDateTime).toISOString() : asked.toISOString();
  return { id: body.id, expiresAt };
}
