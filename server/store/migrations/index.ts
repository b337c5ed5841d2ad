import type { Migration, MigrationProvider } from 'kysely';
import type { DialectKind } from '../dialect';
import { initialSchema } from './0001-initial';
import { mailboxLinking } from './0002-mailbox-linking';
import { inbound } from './0003-inbound';
import { relay } from './0004-relay';
import { senderActivityIndex } from './0005-sender-activity-index';
import { inboundReads } from './0006-inbound-reads';
import { senderAuthFailure } from './0007-sender-auth-failure';
import { relayPacing } from './0008-relay-pacing';
import { mailboxDegraded } from './0009-mailbox-degraded';
import { ticketVersion } from './0010-ticket-version';
import { mailboxLanguage } from './0011-mailbox-language';
import { mailboxCare } from './0012-mailbox-care';
import { appOnlyAccess } from './0013-app-only-access';
import { mailboxReread } from './0014-mailbox-reread';
import { ticketLookups } from './0015-ticket-lookups';

/**
 * Every migration, in order. Names sort in application order; never rename or edit one that has shipped:
 * add the next number instead.
 */
export function migrationProvider(dialect: DialectKind): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialSchema(dialect),
    '0002-mailbox-linking': mailboxLinking(dialect),
    '0003-inbound': inbound(dialect),
    '0004-relay': relay(),
    '0005-sender-activity-index': senderActivityIndex(),
    '0006-inbound-reads': inboundReads(),
    '0007-sender-auth-failure': senderAuthFailure(),
    '0008-relay-pacing': relayPacing(dialect),
    '0009-mailbox-degraded': mailboxDegraded(),
    '0010-ticket-version': ticketVersion(),
    '0011-mailbox-language': mailboxLanguage(),
    '0012-mailbox-care': mailboxCare(),
    '0013-app-only-access': appOnlyAccess(),
    '0014-mailbox-reread': mailboxReread(),
    '0015-ticket-lookups': ticketLookups(),
  };
  return { getMigrations: async () => migrations };
}
