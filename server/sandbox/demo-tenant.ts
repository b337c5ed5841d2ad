import type { Logger } from 'pino';
import { DemoDelivery } from './demo-delivery';
import { stableGuid, type Directory } from './directory';
import type { MailStore } from './mail-store';
import type { Transport } from './transport';

/**
 * The demo tenant a newcomer sees: Contoso with an admin, two agents and a support mailbox, plus customer
 * mailboxes in two other organisations (so the helpdesk's replies land somewhere visible), and optionally a
 * trickle of realistic mail into the support inbox.
 */

export const DEMO = {
  domain: 'contoso.test',
  admin: { upn: 'admin@contoso.test', displayName: 'Adele Vance', roles: ['Relaydesk.Admin'] },
  agents: [
    { upn: 'alex@contoso.test', displayName: 'Alex Wilber', roles: ['Relaydesk.Agent'] },
    { upn: 'lynne@contoso.test', displayName: 'Lynne Robbins', roles: ['Relaydesk.Agent'] },
  ],
  support: { upn: 'support@contoso.test', displayName: 'Contoso Support' },
  customers: [
    { upn: 'jordan@fabrikam.test', displayName: 'Jordan Miller', tenant: 'fabrikam' },
    { upn: 'li.wei@northwind.test', displayName: '李伟', tenant: 'northwind' },
  ],
} as const;

/** The demo customers with a sandbox mailbox: they receive the helpdesk's emails and may answer them. */
export const DEMO_CUSTOMER_ADDRESSES: readonly string[] = DEMO.customers.map((c) => c.upn);

export function seedDemoTenant(directory: Directory, store: MailStore): void {
  directory.defaultTenant.displayName = 'Contoso';
  directory.defaultTenant.domains.add(DEMO.domain);
  const withMailbox = (input: { upn: string; displayName: string; roles?: readonly string[]; tenantId?: string }): void => {
    const { user } = directory.upsertUser({ upn: input.upn, displayName: input.displayName, roles: [...(input.roles ?? [])], ...(input.tenantId ? { tenantId: input.tenantId } : {}) });
    store.ensureMailbox({ guid: user.oid, address: user.upn, displayName: user.displayName, tenantId: user.tenantId });
  };
  withMailbox(DEMO.admin);
  for (const a of DEMO.agents) withMailbox(a);
  withMailbox(DEMO.support);
  for (const c of DEMO.customers) {
    const tenant = directory.ensureTenant(stableGuid(`tenant:${c.tenant}`), c.tenant[0]?.toUpperCase() + c.tenant.slice(1));
    withMailbox({ upn: c.upn, displayName: c.displayName, tenantId: tenant.id });
  }
}

export interface DemoTrickle {
  stop(): void;
}

/** How often a demo message arrives: often enough to see tickets appear, rare enough to read them. */
const TRICKLE_MIN_MS = 30_000;
const TRICKLE_MAX_MS = 90_000;
const INITIAL_MESSAGES = 3;

export function startDemoTrickle(input: { store: MailStore; transport: Transport; logger: Logger }): DemoTrickle {
  const { store, logger } = input;
  const support = store.mailboxByAddress(DEMO.support.upn);
  if (!support) throw new Error('startDemoTrickle needs the seeded demo tenant');
  const delivery = new DemoDelivery(store, input.transport, DEMO_CUSTOMER_ADDRESSES);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const one = async (): Promise<void> => {
    // Now and then a demo customer answers what the helpdesk sent them, so threading shows in the demo.
    const replied = Math.random() < 0.3 ? await delivery.customerReply(support) : null;
    const mail = replied ?? (await delivery.deliver(support));
    logger.info({ mailbox: support.address, kind: mail.kind, subject: mail.subject }, 'sandbox demo mail delivered');
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void one()
        .catch((err: unknown) => logger.error({ err, mailbox: support.address }, 'sandbox demo mail failed'))
        .finally(schedule);
    }, TRICKLE_MIN_MS + Math.random() * (TRICKLE_MAX_MS - TRICKLE_MIN_MS));
    timer.unref();
  };
  void (async () => {
    for (let i = 0; i < INITIAL_MESSAGES && !stopped; i++) await one();
  })()
    .catch((err: unknown) => logger.error({ err }, 'sandbox demo mail failed'))
    .finally(schedule);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
