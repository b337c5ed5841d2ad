import { defineCatalog } from '../define-catalog';

/** Writing a public reply or an internal note. */
export const composer = defineCatalog(
  {
    'composer.title': 'Write',
    'composer.modes': 'Reply or internal note',
    'composer.reply': 'Reply',
    'composer.note': 'Internal note',
    'composer.replyLabel': 'Public reply',
    'composer.noteLabel': 'Internal note (agents only)',
    'composer.to': 'To: {to}',
    'composer.toAndCc': 'To: {to}; Cc: {cc}',
    'composer.followers': 'Visible to agents; followers notified: {followers}',
    'composer.noFollowers': 'Visible to agents only; no followers to notify',
    'composer.send': 'Send',
    'composer.sendPending': 'Send and set Pending',
    'composer.sendSolved': 'Send and set Solved',
    'composer.draftKept': 'Draft saved on this computer',
  },
  {
    'composer.title': 'Scrivi',
    'composer.modes': 'Risposta o nota interna',
    'composer.reply': 'Rispondi',
    'composer.note': 'Nota interna',
    'composer.replyLabel': 'Risposta pubblica',
    'composer.noteLabel': 'Nota interna (solo operatori)',
    'composer.to': 'A: {to}',
    'composer.toAndCc': 'A: {to}; Cc: {cc}',
    'composer.followers': 'Visibile agli operatori; osservatori avvisati: {followers}',
    'composer.noFollowers': 'Visibile solo agli operatori; nessun osservatore da avvisare',
    'composer.send': 'Invia',
    'composer.sendPending': 'Invia e imposta In attesa',
    'composer.sendSolved': 'Invia e imposta Risolto',
    'composer.draftKept': 'Bozza salvata su questo computer',
  },
);
