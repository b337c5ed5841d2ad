import { defineCatalog } from '../define-catalog';

/** The pane's frame: header, tabs, and the status view's empty states. */
export const pane = defineCatalog(
  {
    'pane.tabs': 'Views',
    'pane.tab.status': 'Ticket',
    'pane.tab.queue': 'Tickets',
    'pane.tab.mailboxes': 'Mailboxes',
    'pane.signedInAs': 'Signed in as {user}',
    'pane.nothingSelected.title': 'No email selected',
    'pane.nothingSelected.message': 'Select an email to see its ticket.',
    'pane.outsideOutlook.title': 'Open Relaydesk in Outlook',
    'pane.outsideOutlook.message': 'Open Relaydesk from an email in Outlook to see its ticket.',
    'pane.noMessageId.title': 'Not an email Relaydesk can track',
    'pane.noMessageId.message': 'This item has no Internet Message-ID (a draft, or a meeting item), so it cannot belong to a ticket.',
  },
  {
    'pane.tabs': 'Viste',
    'pane.tab.status': 'Ticket',
    'pane.tab.queue': 'Elenco ticket',
    'pane.tab.mailboxes': 'Caselle',
    'pane.signedInAs': 'Accesso eseguito come {user}',
    'pane.nothingSelected.title': 'Nessuna email selezionata',
    'pane.nothingSelected.message': 'Seleziona un’email per vederne il ticket.',
    'pane.outsideOutlook.title': 'Apri Relaydesk in Outlook',
    'pane.outsideOutlook.message': 'Apri Relaydesk da un’email in Outlook per vederne il ticket.',
    'pane.noMessageId.title': 'Email che Relaydesk non può seguire',
    'pane.noMessageId.message': 'Questo elemento non ha un Internet Message-ID (è una bozza o una riunione), quindi non può appartenere a un ticket.',
  },
);
