import { defineCatalog } from '../i18n/define-catalog';

/**
 * The preview page's words (addin/preview/), in the pane's two languages. Kept out of the pane's catalogs
 * (addin/i18n/messages.ts): the pane's bundle never carries them. test/addin/preview-catalog.test.ts checks
 * them as test/addin/i18n.test.ts checks the pane's.
 */
export const previewCatalog = defineCatalog(
  {
    'preview.title': 'Relaydesk preview',
    'preview.banner': 'A stand-in for Outlook on the web: the demo mailbox {mailbox} of the local Exchange Online sandbox, and the real Relaydesk task pane beside it. Nothing here reaches Microsoft.',
    'preview.signInAs': 'Sign in as {name} ({role, select, admin {admin} other {agent}})',
    'preview.signedInAs': 'Outlook user: {name}',
    'preview.signIn.failed': 'Sign-in did not finish: {message}',
    'preview.dialog.closed': 'Cancelled: nothing changed.',
    'preview.link': 'Link the demo mailbox',
    'preview.link.needsAdmin': 'Sign in as the admin to link the demo mailbox.',
    'preview.link.done': '{address} is linked: its new mail becomes tickets.',
    'preview.link.already': '{address} is linked already.',
    'preview.link.failed': 'Not linked: {message}',
    'preview.send': 'Send a customer email',
    'preview.send.kind': 'Kind of email',
    'preview.kind': '{kind, select, question {A question} reply {A reply to the helpdesk} auto_reply {An out-of-office reply} other {A bounce}}',
    'preview.send.button': 'Send',
    'preview.send.done': '“{subject}” is on its way to {mailbox}.',
    'preview.send.failed': 'Not sent: {message}',
    'preview.inbox': 'Inbox of {mailbox}',
    'preview.inbox.empty': 'No email yet. Send a customer email.',
    'preview.inbox.failed': 'The inbox could not be read: {message}',
    'preview.inbox.noSubject': '(no subject)',
    'preview.inbox.unread': 'unread',
    'preview.language': 'Language',
    'preview.theme.dark': 'Dark theme',
    'preview.pane': 'Relaydesk task pane',
  },
  {
    'preview.title': 'Anteprima di Relaydesk',
    'preview.banner': 'Un sostituto di Outlook sul web: la casella dimostrativa {mailbox} della sandbox locale di Exchange Online e, accanto, il vero riquadro di Relaydesk. Nulla di ciò che accade qui raggiunge Microsoft.',
    'preview.signInAs': 'Accedi come {name} ({role, select, admin {amministratore} other {operatore}})',
    'preview.signedInAs': 'Utente di Outlook: {name}',
    'preview.signIn.failed': 'L’accesso non è stato completato: {message}',
    'preview.dialog.closed': 'Annullato: non è cambiato nulla.',
    'preview.link': 'Collega la casella dimostrativa',
    'preview.link.needsAdmin': 'Accedi come amministratore per collegare la casella dimostrativa.',
    'preview.link.done': '{address} è collegata: la nuova posta diventa ticket.',
    'preview.link.already': '{address} è già collegata.',
    'preview.link.failed': 'Non collegata: {message}',
    'preview.send': 'Invia un’email da un cliente',
    'preview.send.kind': 'Tipo di email',
    'preview.kind': '{kind, select, question {Una domanda} reply {Una risposta all’helpdesk} auto_reply {Una risposta automatica di assenza} other {Un rimbalzo}}',
    'preview.send.button': 'Invia',
    'preview.send.done': '“{subject}” è in arrivo a {mailbox}.',
    'preview.send.failed': 'Non inviata: {message}',
    'preview.inbox': 'Posta in arrivo di {mailbox}',
    'preview.inbox.empty': 'Ancora nessuna email. Invia un’email da un cliente.',
    'preview.inbox.failed': 'Impossibile leggere la posta in arrivo: {message}',
    'preview.inbox.noSubject': '(nessun oggetto)',
    'preview.inbox.unread': 'da leggere',
    'preview.language': 'Lingua',
    'preview.theme.dark': 'Tema scuro',
    'preview.pane': 'Riquadro di Relaydesk',
  },
);

export type PreviewKey = keyof (typeof previewCatalog)['en-US'];
