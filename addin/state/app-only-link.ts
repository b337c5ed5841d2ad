import type { IntlShape } from 'react-intl';
import type { LinkOptions, MailboxView } from '../api/types';
import type { Notice } from './notice';

/**
 * Application-mode linking as the pane words it: the notice after a link or a re-check (scoped or tenant-wide,
 * from what the server proved), and the admin's choice when the server answers 422 app_not_scoped because the
 * app could read a mailbox that must stay out of reach.
 */

/** The application fields of a link or re-check body. */
export type AppOptions = Omit<Extract<LinkOptions, { mode: 'application' }>, 'mode'>;

/** A refused application link or re-check, and how to send it again. */
export interface TenantWideChoice {
  address: string;
  /** The mailbox the app could read although it must not ('' when the server did not say). */
  probe: string;
  retry: { kind: 'link'; options: AppOptions } | { kind: 'recheck'; id: number; options: AppOptions };
}

/** Only the fields that are set, so the body carries no `undefined` members. */
export function appOptionsOf(options: AppOptions): AppOptions {
  const out: AppOptions = {};
  if (options.outOfScopeAddress) out.outOfScopeAddress = options.outOfScopeAddress;
  if (options.acceptTenantWide) out.acceptTenantWide = true;
  return out;
}

export function tenantWideChoiceOf(error: unknown, address: string, retry: TenantWideChoice['retry']): TenantWideChoice | null {
  const e = error as { code?: unknown; details?: unknown } | null;
  if (e?.code !== 'app_not_scoped') return null;
  const probe = (e.details as { probe?: unknown } | undefined)?.probe;
  return { address, probe: typeof probe === 'string' ? probe : (retry.options.outOfScopeAddress ?? ''), retry };
}

/** Success, worded from the mailbox's proven access; tenant-wide is a warning even when the admin accepted it. */
export function appLinkNotice(intl: IntlShape, kind: 'link' | 'recheck', address: string, mailbox: MailboxView | undefined): Notice {
  const access = mailbox?.appAccess ?? null;
  const code = kind === 'link' ? 'linked' : (mailbox?.state ?? 'active');
  const values = { address: mailbox?.address ?? address, probe: access?.probe ?? '' };
  if (access?.scope === 'tenant_wide') return { intent: 'warning', code, message: intl.formatMessage({ id: `mailboxes.appOnly.${kind}.tenantWide` }, values) };
  const id = access?.scope === 'scoped' && access.probe ? `mailboxes.appOnly.${kind}.scoped` : `mailboxes.appOnly.${kind}.done`;
  return { intent: 'success', code, message: intl.formatMessage({ id }, values) };
}
