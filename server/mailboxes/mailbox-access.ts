/** How Relaydesk holds a mailbox: its own consent (delegated), or the app's token for its tenant (application). */
export type MailboxAuthMode = 'delegated' | 'application';

/** What the least-privilege check found of an application-mode mailbox's app: limited to a scope, or tenant-wide. */
export type AppScope = 'scoped' | 'tenant_wide';
