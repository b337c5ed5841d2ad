import { defineServerCatalog } from '../outbound/message-catalog';

/** The status page's words (status-page.ts): what `/` shows when a Microsoft app is configured. */
export const STATUS_PAGE_MESSAGES = defineServerCatalog(
  {
    'status.title': 'Relaydesk is running',
    'status.intro': 'A helpdesk email channel for Microsoft 365. Agents work in the Outlook add-in; there is nothing else to see here.',
    'status.version': 'Version',
    'status.health': 'Health',
    'status.health.ready': 'Ready',
    'status.health.not_ready': 'Not ready ({reason, select, migrations_pending {database migrations pending} other {database unreachable}})',
    'status.manifest': 'Add-in manifest',
    'status.manifest.hint': 'Upload it in Outlook (My add-ins, Add a custom add-in) or deploy it from the Microsoft 365 admin center.',
    'status.links': 'More',
    'status.link.support': 'Add-in help for agents',
    'status.link.health': 'Liveness and readiness probes',
    'status.docs': 'Set-up and operations: docs/addin.md and docs/operations.md in the Relaydesk repository.',
  },
  {
    'status.title': 'Relaydesk è in funzione',
    'status.intro': 'Un canale email per helpdesk su Microsoft 365. Gli operatori lavorano nel componente aggiuntivo di Outlook; qui non c’è altro da vedere.',
    'status.version': 'Versione',
    'status.health': 'Stato',
    'status.health.ready': 'Pronto',
    'status.health.not_ready': 'Non pronto ({reason, select, migrations_pending {migrazioni del database in sospeso} other {database non raggiungibile}})',
    'status.manifest': 'Manifesto del componente aggiuntivo',
    'status.manifest.hint': 'Caricalo in Outlook (I miei componenti aggiuntivi, Aggiungi un componente aggiuntivo personalizzato) o distribuiscilo dall’interfaccia di amministrazione di Microsoft 365.',
    'status.links': 'Altro',
    'status.link.support': 'Guida del componente aggiuntivo per gli operatori',
    'status.link.health': 'Sonde di attività e di prontezza',
    'status.docs': 'Configurazione e gestione: docs/addin.md e docs/operations.md nel repository di Relaydesk.',
  },
);
