import { isStorableId } from '../../store/sql-helpers';
import type { Repositories, Store } from '../../store/store';
import { parseReference } from '../../tickets/reference';
import type { FilterEnvironment } from './context';

export interface FilterEnvironmentOptions {
  /** Domain of the Message-IDs Relaydesk writes on its outgoing mail, e.g. `relaydesk.acme.com`. */
  messageIdDomain: string;
  /** A fixed clock (tests); by default `now` is read afresh on every access, as one sync can take a while. */
  now?: Date;
}

/**
 * The filters' read-only view of the store. Linked mailbox addresses are read once here: create one
 * environment per sync pass, so a mailbox linked meanwhile is seen on the next pass.
 */
export async function createFilterEnvironment(store: Store, options: FilterEnvironmentOptions): Promise<FilterEnvironment> {
  return filterEnvironment(store, { ...options, linkedAddresses: await store.mailboxes.linkedAddresses() });
}

/**
 * The filters' view through `repos`: the store, or a transaction, so that the filters of a batch see what
 * the batch's earlier messages recorded (a reply in the same page threads onto the ticket made before it).
 */
export function filterEnvironment(repos: Repositories, options: FilterEnvironmentOptions & { linkedAddresses: ReadonlySet<string> }): FilterEnvironment {
  const messageIdDomain = options.messageIdDomain?.trim().toLowerCase() ?? '';
  // An empty domain would make "is this Message-ID ours?" unanswerable, and so disable loop detection.
  if (!/^[a-z0-9.-]+\.[a-z0-9-]+$|^[a-z0-9-]+$/.test(messageIdDomain)) {
    throw new RangeError(`messageIdDomain must be a domain name, got ${JSON.stringify(options.messageIdDomain)}`);
  }
  if (options.now !== undefined && !(options.now instanceof Date && Number.isFinite(options.now.getTime()))) {
    throw new RangeError('now must be a valid Date');
  }
  const fixedNow = options.now;
  const { linkedAddresses } = options;

  return {
    linkedAddresses,
    messageIdDomain,
    get now(): Date {
      return fixedNow ? new Date(fixedNow.getTime()) : new Date();
    },

    async ticketForMessageIds(messageIds) {
      const ids = [...new Set(messageIds)].filter((id) => id.length > 0);
      if (ids.length === 0) return null;
      const rows = await repos.mailMessages.findByMessageIds(ids);
      // "The first of these Message-IDs": the caller's order is its preference (In-Reply-To, newest reference).
      for (const id of ids) {
        const row = rows.find((r) => r.internet_message_id === id && r.ticket_id !== null);
        if (row?.ticket_id != null) return { ticketId: row.ticket_id };
      }
      return null;
    },

    async ticketForReference(reference) {
      const parsed = parseReference(reference);
      if (!parsed) return null;
      const ticket = await repos.tickets.findById(parsed.ticketId);
      // The random tag is what stops a stranger from posting onto a ticket by guessing its number.
      return ticket && ticket.reference_tag.toUpperCase() === parsed.tag ? { ticketId: ticket.id } : null;
    },

    async outboxEmailExists(emailId, messageId) {
      // The header comes from outside: only a plain row id may reach the database (a 32-bit column on PostgreSQL).
      if (!/^\d{1,10}$/.test(emailId)) return false;
      const id = Number(emailId);
      if (!isStorableId(id)) return false;
      return repos.outbox.exists(id, messageId);
    },

    async agentIdForAddress(address) {
      const user = await repos.users.findByEmail(address);
      return user && (user.role === 'agent' || user.role === 'admin') ? user.id : null;
    },

    async senderActivity(address, windowMs, countUpTo) {
      const now = fixedNow ?? new Date();
      const user = await repos.users.findByEmail(address);
      const since = new Date(now.getTime() - windowMs).toISOString();
      const recentMessages = await repos.mailMessages.countFromSince(address.trim().toLowerCase(), since, countUpTo);
      return { blockedUntil: user?.blocked_until ?? null, recentMessages };
    },

    async isOnTicket(ticketId, address) {
      const ticket = await repos.tickets.findById(ticketId);
      if (!ticket) return false;
      const user = await repos.users.findByEmail(address);
      if (!user) return false;
      if (user.id === ticket.requester_id) return true;
      return (await repos.tickets.listParticipants(ticketId)).some((p) => p.kind === 'cc' && p.user_id === user.id);
    },
  };
}
