import type { UserRow } from '../store/schema';
import type { Repositories } from '../store/store';

/** Local parts that never read mail: acknowledging them only feeds loops. */
const UNATTENDED_LOCAL_PART = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-].*)?$/i;

/**
 * Whether Relaydesk may email this person at all: not an address that bounced, not a sender blocked for
 * bursting, not a robot address.
 */
export function mayEmail(user: Pick<UserRow, 'email' | 'undeliverable_reason' | 'blocked_until'>, now = new Date()): boolean {
  if (user.undeliverable_reason) return false;
  if (user.blocked_until && user.blocked_until > now.toISOString()) return false;
  const local = user.email.split('@')[0] ?? '';
  return !UNATTENDED_LOCAL_PART.test(local);
}

/**
 * Queues the email an agent's comment causes, in the comment's own transaction: a public reply goes to the
 * requester and CCs; an internal note only to followers (never to the requester or CCs). Nothing is queued
 * for a ticket that came in through no mailbox (there is no address to send from) or when nobody may be
 * emailed.
 */
export async function queueCommentEmail(
  repos: Repositories,
  ticket: { id: number; mailbox_id: number | null; requester_id: number },
  comment: { id: number; visibility: 'public' | 'internal'; author_id: number },
): Promise<number | null> {
  if (ticket.mailbox_id === null) return null;
  const support = await repos.mailboxes.linkedAddresses();
  const participants = await repos.tickets.listParticipants(ticket.id);
  const emailable = async (userId: number): Promise<string | null> => {
    if (userId === comment.author_id) return null;
    const user = await repos.users.findById(userId);
    return user && mayEmail(user) && !support.has(user.email) ? user.email : null;
  };
  const collect = async (ids: number[]) => (await Promise.all(ids.map(emailable))).filter((e): e is string => e !== null);

  if (comment.visibility === 'internal') {
    const followers = await collect(participants.filter((p) => p.kind === 'follower').map((p) => p.user_id));
    if (followers.length === 0) return null;
    return repos.outbox.insert({ ticketId: ticket.id, mailboxId: ticket.mailbox_id, commentId: comment.id, kind: 'internal_note', to: followers, cc: [] });
  }
  const to = await collect([ticket.requester_id]);
  const cc = (await collect(participants.filter((p) => p.kind === 'cc').map((p) => p.user_id))).filter((e) => !to.includes(e));
  if (to.length === 0 && cc.length === 0) return null;
  return repos.outbox.insert({ ticketId: ticket.id, mailboxId: ticket.mailbox_id, commentId: comment.id, kind: 'public_reply', to: to.length > 0 ? to : cc, cc: to.length > 0 ? cc : [] });
}
