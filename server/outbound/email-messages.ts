import { defineServerCatalog } from './message-catalog';

/**
 * The words of Relaydesk's emails. The customer is addressed formally in Italian (Lei), as Italian companies
 * write to customers. The reply delimiter is not here: it is a wire format (server/tickets/reply-delimiter.ts).
 */
export const EMAIL_MESSAGES = defineServerCatalog(
  {
    'email.greeting': '{hasName, select, yes {Hello {name},} other {Hello,}}',
    'email.ack.thanks': 'Thank you for your message. We have received your request and will get back to you soon.',
    'email.ack.reference': 'Your reference is {reference}; replying to this email adds to the same request.',
    'email.note.intro': '{hasAuthor, select, yes {{author} added} other {An agent added}} an internal note (not visible to the customer):',
    'email.footer.reference': 'Reference: {reference}',
  },
  {
    'email.greeting': '{hasName, select, yes {Gentile {name},} other {Buongiorno,}}',
    'email.ack.thanks': 'Grazie per averci scritto. Abbiamo ricevuto la Sua richiesta e Le risponderemo al più presto.',
    'email.ack.reference': 'Il riferimento della Sua richiesta è {reference}; rispondendo a questa email, il messaggio verrà aggiunto alla stessa richiesta.',
    'email.note.intro': '{hasAuthor, select, yes {{author} ha aggiunto} other {Un operatore ha aggiunto}} una nota interna (non visibile al cliente):',
    'email.footer.reference': 'Riferimento: {reference}',
  },
);

export type EmailMessageKey = keyof (typeof EMAIL_MESSAGES)['en-US'];
