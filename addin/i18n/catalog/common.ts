import { defineCatalog } from '../define-catalog';

/** Words the whole pane shares. */
export const common = defineCatalog(
  {
    'app.name': 'Relaydesk',
    'common.retry': 'Retry',
    'common.cancel': 'Cancel',
    'common.close': 'Close',
  },
  {
    'app.name': 'Relaydesk',
    'common.retry': 'Riprova',
    'common.cancel': 'Annulla',
    'common.close': 'Chiudi',
  },
);
