import { attachmentRoutes } from './attachments';
import { batchRoutes } from './batch';
import { deltaRoutes, DeltaTokens } from './delta';
import { draftRoutes } from './drafts';
import { folderRoutes } from './folders';
import type { Route } from './graph-types';
import { messageRoutes } from './messages';
import { sendMailRoutes } from './send-mail';
import type { SubscriptionService } from './subscriptions';
import { userRoutes } from './users';

/** The route table, literal segments before captures (delta before messages/:id). */
export function graphRoutes(subscriptions: SubscriptionService): Route[] {
  return [...batchRoutes, ...deltaRoutes(new DeltaTokens()), ...attachmentRoutes, ...draftRoutes, ...messageRoutes, ...folderRoutes, ...sendMailRoutes, ...subscriptions.routes(), ...userRoutes];
}
