import { appOnly } from './catalog/app-only';
import { common } from './catalog/common';
import { feedback } from './catalog/feedback';
import { mailboxes } from './catalog/mailboxes';
import { reasons } from './catalog/reasons';
import { signIn } from './catalog/sign-in';
import { composer } from './catalog/composer';
import { pane } from './catalog/pane';
import { queue } from './catalog/queue';
import { ticket } from './catalog/ticket';
import { workspace } from './catalog/workspace';
import type { Catalog, PaneLocale } from './define-catalog';

/** Every area's catalog. An area adds its file in ./catalog/ and one line here. */
export const CATALOGS: readonly Catalog[] = [common, feedback, mailboxes, appOnly, reasons, signIn, pane, ticket, workspace, composer, queue];

export function messagesFor(locale: PaneLocale): Record<string, string> {
  return Object.assign({}, ...CATALOGS.map((c) => c[locale])) as Record<string, string>;
}
