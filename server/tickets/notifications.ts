import type { UserRow } from '../store/schema';
import type { Repositories } from '../store/store';

/** Local parts that never read mail: acknowledging them only feeds loops. */
const UNATTENDED_LOCAL_PART = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-].*)?$/i;

/** Why Relaydesk does not email someone; also the codes of the warnings an agent's reply returns. */
export const EMAIL_BLOCKS = ['recipient_undeliverable', 'recipient_unattended', 'recipient_sender_blocked'] as const;
export type EmailBlock = (typeof EMAIL_BLOCKS)[number];

/** A recipient an agent's comment did not go to, and why. */
export interface NotEmailed {
  email: string;
  code: EmailBlock;
}

/** Why this person may not be emailed (an address that bounced, a robot address, a sender blocked for bursting), or null. */
export function emailBlockOf(user: Pick<UserRow, 'email' | 'undeliverable_reason' | 'blocked_until'>, now = new Date()): EmailBlock | null {
  if (user.undeliverable_reason) return 'recipient_undeliverable';
  if (UNATTENDED_LOCAL_PART.test(user.email.split('@')[0] ?? '')) return 'recipient_unattended';
  if (user.blocked_until && user.blocked_until > now.toISOString()) return 'recipient_sender_blocked';
  return null;
}

/** Whether Relaydesk may send this person automatic mail (an acknowledgement): no block of any kind. */
export function mayEmail(user: Pick<UserRow, 'email' | 'undeliverable_reason' | 'blocked_until'>, now = new Date()): boolean {
  return emailBlockOf(user, now) === null;
}

function isStaff(user: Pick<UserRow, 'role'>): boolean {
  return user.role === 'agent' || user.role === 'admin';
}

/**
 * Queues the email an agent's comment causes, in the comment's own transaction: a public reply goes to the
 * requester and CCs; an internal note only to followers (never to the requester or CCs). Nothing is queued
 * for a ticket that came in through no mailbox (there is no address to send from) or when nobody may be
 * emailed. A sender blocked for bursting still gets an agent's reply: the block stops the flood and our
 * automatic answers to it, and must not let whoever flooded in their name cut a customer off from the agent.
 * Every recipient left out is listed in `notEmailed`, so the agent is told rather than left guessing.
 */
export async function queueCommentEmail(
  repos: Repositories,
  ticket: { id: number; mailbox_id: number | null; requester_id: number },
  comment: { id: number; visibility: 'public' | 'internal'; author_id: number },
): Promise<{ outboxId: number | null; notEmailed: NotEmailed[] }> {
  const notEmailed: NotEmailed[] = [];
  const outboxId = await queueIn(repos, ticket, comment, notEmailed);
  return { outboxId, notEmailed };
}

async function queueIn(
  repos: Repositories,
  ticket: { id: number; mailbox_id: number | null; requester_id: number },
  comment: { id: number; visibility: 'public' | 'internal'; author_id: number },
  notEmailed: NotEmailed[],
): Promise<number | null> {
  if (ticket.mailbox_id === null) return null;
  const linkedAddresses = await repos.mailboxes.linkedAddresses();
  const participants = await repos.tickets.listParticipants(ticket.id);
  const emailable = async (userId: number, staffOnly: boolean): Promise<string | null> => {
    if (userId === comment.author_id) return null;
    const user = await repos.users.findById(userId);
    if (!user || (staffOnly && !isStaff(user)) || linkedAddresses.has(user.email)) return null;
    const block = emailBlockOf(user);
    if (block === null || block === 'recipient_sender_blocked') return user.email;
    notEmailed.push({ email: user.email, code: block });
    return null;
  };
  const collect = async (ids: number[], staffOnly = false) =>
    (await Promise.all(ids.map((id) => emailable(id, staffOnly)))).filter((e): e is string => e !== null);

  if (comment.visibility === 'internal') {
    // Internal notes are for staff: a follower whose agent role was removed since they followed gets none.
    const followers = await collect(participants.filter((p) => p.kind === 'follower').map((p) => p.user_id), true);
    if (followers.length === 0) return null;
    return repos.outbox.insert({ ticketId: ticket.id, mailboxId: ticket.mailbox_id, commentId: comment.id, kind: 'internal_note', to: followers, cc: [] });
  }
  const to = await collect([ticket.requester_id]);
  const cc = (await collect(participants.filter((p) => p.kind === 'cc').map((p) => p.user_id))).filter((e) => !to.includes(e));
  if (to.length === 0 && cc.length === 0) return null;
  return repos.outbox.insert({ ticketId: ticket.id, mailboxId: ticket.mailbox_id, commentId: comment.id, kind: 'public_reply', to: to.length > 0 ? to : cc, cc: to.length > 0 ? cc : [] });
}
