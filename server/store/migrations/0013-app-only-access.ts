import { sql, type Kysely, type Migration } from 'kysely';

/**
 * App-only access: a mailbox is linked either by delegated consent (its token cache holds a refresh token)
 * or by the app's own client-credentials token for the mailbox's tenant (nothing per mailbox is stored but
 * the tenant, and what the least-privilege check found). Mailboxes linked before this are delegated.
 */
export function appOnlyAccess(): Migration {
  return {
    // `any`: a migration sees the database as it was then, not as today's table types describe it.
    async up(db: Kysely<any>): Promise<void> {
      const add = (name: string, build: (c: any) => any = (c) => c) => db.schema.alterTable('mailboxes').addColumn(name, 'text', build).execute();
      await add('auth_mode', (c) => c.notNull().defaultTo('delegated').check(sql`auth_mode in ('delegated', 'application')`));
      // The tenant whose app token serves the mailbox (application mode): a GUID or a verified domain.
      await add('tenant', (c) => c);
      await add('app_scope', (c) => c.check(sql`app_scope in ('scoped', 'tenant_wide')`));
      await add('app_scope_probe', (c) => c);
      await add('app_scope_checked_at', (c) => c);
    },
  };
}
