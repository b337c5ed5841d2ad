import { defineCatalog } from '../define-catalog';

/** The Tickets tab: lists, search, paging. */
export const queue = defineCatalog(
  {
    'queue.title': 'Tickets',
    'queue.filters': 'Lists',
    'queue.mine': 'My open tickets',
    'queue.unassigned': 'Unassigned',
    'queue.open': 'All open',
    'queue.search': 'Search tickets',
    'queue.searchHint': 'Type words and press Enter',
    'queue.more': 'Load more',
    'queue.loading': 'Loading tickets…',
    'queue.empty': 'No tickets here.',
    'queue.failed': 'The list could not be loaded ({code}): {message}',
    'queue.row': '{subject}, {status}, from {requester}',
    'queue.age': 'Opened {age}',
    'queue.activity': 'Last activity {when}',
  },
  {
    'queue.title': 'Ticket',
    'queue.filters': 'Elenchi',
    'queue.mine': 'I miei ticket aperti',
    'queue.unassigned': 'Non assegnati',
    'queue.open': 'Tutti gli aperti',
    'queue.search': 'Cerca ticket',
    'queue.searchHint': 'Scrivi delle parole e premi Invio',
    'queue.more': 'Carica altri',
    'queue.loading': 'Caricamento dei ticket…',
    'queue.empty': 'Nessun ticket qui.',
    'queue.failed': 'Impossibile caricare l’elenco ({code}): {message}',
    'queue.row': '{subject}, {status}, da {requester}',
    'queue.age': 'Aperto {age}',
    'queue.activity': 'Ultima attività {when}',
  },
);
