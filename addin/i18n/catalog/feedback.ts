import { defineCatalog } from '../define-catalog';

/** The pane's shared states: loading, a failed load, and the sender-authentication warning. */
export const feedback = defineCatalog(
  {
    'feedback.loading': 'Loading',
    'feedback.error.title': 'Could not load the ticket',
    'feedback.senderAuth.title':
      '{failure, select, dmarc_fail {Sender failed authentication (DMARC)} compauth_fail {Sender failed authentication (composite authentication)} other {Sender failed authentication}}',
    'feedback.senderAuth.body': 'No acknowledgement was sent. Check the sender before replying.',
  },
  {
    'feedback.loading': 'Caricamento in corso',
    'feedback.error.title': 'Impossibile caricare il ticket',
    'feedback.senderAuth.title':
      '{failure, select, dmarc_fail {Autenticazione del mittente non riuscita (DMARC)} compauth_fail {Autenticazione del mittente non riuscita (autenticazione composita)} other {Autenticazione del mittente non riuscita}}',
    'feedback.senderAuth.body': 'Non è stata inviata alcuna conferma di ricezione. Verifica il mittente prima di rispondere.',
  },
);
