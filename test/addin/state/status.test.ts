import { ApiError, type ApiClient } from '../../../addin/api/client';
import type { LookupResult, NoTicketReason } from '../../../addin/api/types';
import { AuthError } from '../../../addin/auth/errors';
import { reasonText } from '../../../addin/state/reasons';
import { loadStatus } from '../../../addin/state/status';
import { ITEM, TICKET } from '../support/fixtures';

function api(lookup: LookupResult | Error) {
  return {
    lookup: jest.fn(async () => (lookup instanceof Error ? Promise.reject(lookup) : lookup)),
  } satisfies Pick<ApiClient, 'lookup'>;
}

describe('loadStatus', () => {
  it('looks the email up with its mailbox and arrival time, in one request that brings the ticket and its CCs', async () => {
    const a = api({ ticket: TICKET, disposition: 'ticket_created' });
    expect(await loadStatus(ITEM, a)).toEqual({ kind: 'ticket', item: ITEM, ticket: TICKET, disposition: 'ticket_created' });
    expect(a.lookup).toHaveBeenCalledTimes(1);
    expect(a.lookup).toHaveBeenCalledWith({ internetMessageId: '<q1@customer.test>', mailbox: 'support@contoso.test', receivedAt: '2025-03-01T09:30:00.000Z' });
  });

  it('returns the reason when there is no ticket', async () => {
    const a = api({ ticket: null, reason: 'suppressed', detail: 'auto_response: Auto-Submitted=auto-replied' });
    expect(await loadStatus(ITEM, a)).toEqual({ kind: 'no_ticket', item: ITEM, reason: 'suppressed', detail: 'auto_response: Auto-Submitted=auto-replied' });
  });

  it('needs no server for "nothing selected" or an item without Message-ID', async () => {
    const a = api(new Error('must not be called'));
    expect(await loadStatus(null, a)).toEqual({ kind: 'nothing_selected' });
    expect(await loadStatus({ ...ITEM, internetMessageId: ' ' }, a)).toMatchObject({ kind: 'no_message_id' });
    expect(a.lookup).not.toHaveBeenCalled();
  });

  it.each([
    ['a 401 from the server', new ApiError(401, 'token_expired', 'expired'), { kind: 'sign_in_needed' }],
    ['no token (sign-in required)', new AuthError('sign_in_required', 'sign in'), { kind: 'sign_in_needed' }],
    ['a 403 (not an agent)', new ApiError(403, 'forbidden', 'This needs the Relaydesk.Agent role'), { kind: 'error', code: 'forbidden' }],
    ['an unreachable server', new ApiError(0, 'network_error', 'down'), { kind: 'error', code: 'network_error' }],
  ])('maps %s to its state', async (_what, error, expected) => {
    expect(await loadStatus(ITEM, api(error))).toMatchObject(expected);
  });

  it('reports a failed lookup as an error about that item', async () => {
    expect(await loadStatus(ITEM, api(new ApiError(500, 'internal', 'boom')))).toMatchObject({ kind: 'error', code: 'internal', item: ITEM });
  });
});

describe('reasonText', () => {
  const reasons: NoTicketReason[] = ['unknown_message', 'mailbox_not_linked', 'mailbox_not_syncing', 'waiting_for_sync', 'read_before_sync', 'suppressed', 'dead_letter'];

  it.each(reasons)('explains %s in a sentence, not with the code', (reason) => {
    const text = reasonText(reason, null);
    expect(text.title.length).toBeGreaterThan(5);
    expect(text.explanation).toMatch(/^[A-Z].{30,}\.$/);
    expect(text.explanation).not.toContain(reason);
  });

  it('says why a message was suppressed, from the filter reason in the detail', () => {
    expect(reasonText('suppressed', 'auto_response: Auto-Submitted=auto-replied').explanation).toContain('automatic reply');
    expect(reasonText('suppressed', 'sender_burst: recent=30 limit=20').explanation).toContain('too many emails');
    expect(reasonText('suppressed', 'something_new: x').explanation).toContain('a filter set it aside');
  });

  it('names the unlinked mailbox and the state of a mailbox that is not syncing', () => {
    expect(reasonText('mailbox_not_linked', 'billing@contoso.test').explanation).toContain('billing@contoso.test');
    expect(reasonText('mailbox_not_syncing', 'needs_reauth').explanation).toContain('re-authorized');
  });
});
