import { DomainError } from './errors';

/** Email clients and Exchange cap recipients; peers settled on 48 CCs per ticket. */
export const MAX_CCS = 48;

/** A CC must be a person outside the helpdesk's own addresses, or mail would loop back into it. */
export function assertCanAddCc(address: string, currentCcCount: number, linkedAddresses: ReadonlySet<string>): void {
  if (linkedAddresses.has(address.trim().toLowerCase())) {
    throw new DomainError('cc_is_support_address', `${address} is a linked support mailbox and cannot be a CC`, { address });
  }
  if (currentCcCount >= MAX_CCS) {
    throw new DomainError('too_many_ccs', `A ticket can have at most ${MAX_CCS} CCs`, { max: MAX_CCS });
  }
}

/** Followers see internal notes, so only agents and admins can follow. */
export function assertCanFollow(role: string, address: string): void {
  if (role !== 'agent' && role !== 'admin') {
    throw new DomainError('follower_not_agent', `${address} is not an agent; only agents can follow tickets`, { address });
  }
}
