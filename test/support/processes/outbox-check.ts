import type { OutboxRow } from '../../../server/store/repositories/outbox';
import { Store } from '../../../server/store/store';

/**
 * "Every email sent exactly once", checked against what Graph accepted: the outbox rows of a store next to
 * the sandbox's sent log (`GET /sandbox/mailboxes/{address}/sent`, which records every accepted sendMail at
 * once). Used by the relay crash test and the relay benchmark; free of jest, so the benchmark can use it.
 */

/** What the check needs of an outbox row. */
export type OutboxRowLike = Pick<OutboxRow, 'id' | 'mailbox_id' | 'message_id' | 'state'>;

/** One entry of the sandbox's sent log (the MIME is not needed here). */
export interface SentLogEntry {
  internetMessageId: string;
}

export interface ExactlyOnceCheck {
  /** Every way the sent logs differ from "each row sent exactly once, from its own mailbox, and nothing else". */
  problems: string[];
  rows: number;
  /** Entries in all the sent logs together. */
  sentEntries: number;
  /** Distinct Message-IDs in all the sent logs. */
  distinctSent: number;
  /** Message-IDs that Graph accepted more than once. */
  duplicated: number;
  /** Rows whose email is in no sent log. */
  missing: number;
  /** Sent emails that belong to no row. */
  unexpected: number;
  /** Rows not in state `sent`, by state. */
  notSent: Record<string, number>;
}

const MAX_LISTED = 20;

/**
 * Compares outbox rows with the sent logs of their mailboxes (`sentByMailbox`: mailbox id -> that mailbox's
 * sent log). Exactly once means: every row is `sent` with a Message-ID, that Message-ID is in its own
 * mailbox's sent log exactly once and in no other, and no sent log holds anything else.
 */
export function checkExactlyOnce(rows: readonly OutboxRowLike[], sentByMailbox: ReadonlyMap<number, readonly SentLogEntry[]>): ExactlyOnceCheck {
  const problems: string[] = [];
  const note = (list: string[], what: string) => {
    if (list.length > 0) problems.push(`${list.length} ${what}: ${list.slice(0, MAX_LISTED).join(', ')}${list.length > MAX_LISTED ? ', ...' : ''}`);
  };

  // Message-ID -> [mailbox id, times accepted] over every log.
  const sent = new Map<string, { mailboxes: Set<number>; count: number }>();
  let sentEntries = 0;
  for (const [mailboxId, log] of sentByMailbox) {
    for (const entry of log) {
      sentEntries++;
      const seen = sent.get(entry.internetMessageId) ?? { mailboxes: new Set<number>(), count: 0 };
      seen.mailboxes.add(mailboxId);
      seen.count++;
      sent.set(entry.internetMessageId, seen);
    }
  }

  const notSent: Record<string, number> = {};
  const notSentRows: string[] = [];
  const withoutId: string[] = [];
  const missing: string[] = [];
  const wrongMailbox: string[] = [];
  const ours = new Set<string>();
  for (const row of rows) {
    if (row.state !== 'sent') {
      notSent[row.state] = (notSent[row.state] ?? 0) + 1;
      notSentRows.push(`#${row.id} ${row.state}`);
    }
    if (row.message_id === null) {
      withoutId.push(`#${row.id}`);
      continue;
    }
    ours.add(row.message_id);
    const seen = sent.get(row.message_id);
    if (!seen) missing.push(`#${row.id} ${row.message_id}`);
    else if (seen.mailboxes.size !== 1 || !seen.mailboxes.has(row.mailbox_id)) wrongMailbox.push(`#${row.id} from mailboxes ${[...seen.mailboxes].join('+')} instead of ${row.mailbox_id}`);
  }
  const duplicated = [...sent].filter(([, s]) => s.count > 1).map(([id, s]) => `${id} x${s.count}`);
  const unexpected = [...sent.keys()].filter((id) => !ours.has(id));
  if (new Set(rows.map((r) => r.message_id).filter((id) => id !== null)).size !== ours.size || ours.size !== rows.length - withoutId.length) {
    problems.push('two outbox rows share a Message-ID');
  }

  note(notSentRows, 'outbox rows not in state sent');
  note(withoutId, 'outbox rows without a Message-ID');
  note(missing, 'rows whose email Graph never accepted (missing from the sent log)');
  note(duplicated, 'emails Graph accepted more than once (duplicates)');
  note(wrongMailbox, 'emails sent from another mailbox than their row\'s');
  note(unexpected, 'sent emails that belong to no outbox row');
  return { problems, rows: rows.length, sentEntries, distinctSent: sent.size, duplicated: duplicated.length, missing: missing.length, unexpected: unexpected.length, notSent };
}

/** Every outbox row of a store, oldest first (a store of a few thousand rows; no paging needed). */
export async function allOutboxRows(store: Store): Promise<OutboxRow[]> {
  const ticketIds = new Set<number>();
  for (const row of await store.tickets.search({ limit: 1_000_000 })) ticketIds.add(row.id);
  const rows: OutboxRow[] = [];
  for (const id of ticketIds) rows.push(...(await store.outbox.listForTicket(id)));
  return rows.sort((a, b) => a.id - b.id);
}

/** Opens the SQLite store of a (possibly running, possibly killed) server, runs `work`, closes it again. */
export async function withSqliteStore<T>(file: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ kind: 'sqlite', file });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Rows waiting to be sent (pending, including those waiting for a retry or for settling, and sending). */
export function unsettled(counts: Record<string, number>): number {
  return (counts['pending'] ?? 0) + (counts['sending'] ?? 0);
}
