import { defineCatalog } from '../define-catalog';

/**
 * Why an email has no ticket (addin/state/reasons.ts picks the message and its values). `{last}` is a date,
 * given only when `hasLast` is "yes"; `{code}` is the inbound filter's suppression code.
 */
export const reasons = defineCatalog(
  {
    'reason.unknown_message.title': 'Not a helpdesk email',
    'reason.unknown_message.explanation':
      'Relaydesk has no record of this email. It is not in a linked support mailbox, or it arrived before the mailbox was linked.',
    'reason.mailbox_not_linked.title': 'Mailbox not linked',
    'reason.mailbox_not_linked.explanation':
      '{hasMailbox, select, yes {{mailbox}} other {This mailbox}} is not linked to Relaydesk, so its email does not become tickets. An admin can link it under Mailboxes.',
    'reason.mailbox_not_syncing.title': 'Mailbox not syncing',
    'reason.mailbox_not_syncing.explanation':
      'The mailbox is {state, select, paused {paused by an admin} needs_reauth {waiting to be re-authorized by an admin} pending {waiting for its owner to consent} none {not active} other {{state}}}, so new email is not picked up until an admin fixes it.',
    'reason.waiting_for_sync.title': 'Waiting for the next sync',
    'reason.waiting_for_sync.explanation':
      'Relaydesk has not picked this email up yet; it becomes a ticket at the next sync{hasLast, select, yes { (last sync {last, date, medium} {last, time, short})} other {}}.',
    'reason.read_before_sync.title': 'Read before Relaydesk saw it',
    'reason.read_before_sync.explanation':
      'This email was already read when Relaydesk synced{hasLast, select, yes { ({last, date, medium} {last, time, short})} other {}}. Only unread email becomes a ticket: mark it unread to have it picked up.',
    'reason.suppressed.title': 'No ticket by design',
    'reason.suppressed.explanation':
      'Relaydesk did not make a ticket because {code, select, auto_response {it is an automatic reply (an out-of-office, an auto-responder or a delivery report)} mail_loop {it came from another mailbox linked to Relaydesk, which would start a mail loop} own_notification {it is one of Relaydesk’s own notifications coming back} bounce_unmatched {it is a delivery failure report that matches no email Relaydesk sent} sender_blocked {the sender is blocked for a while after sending too many emails} sender_burst {the sender sent too many emails in a short time} no_sender {it has no usable From address} other {a filter set it aside}}.',
    'reason.dead_letter.title': 'Could not be processed',
    'reason.dead_letter.explanation':
      'Relaydesk could not read this email (it is malformed or too large). An admin can replay it from the dead letters.',
  },
  {
    'reason.unknown_message.title': 'Non è un’email dell’helpdesk',
    'reason.unknown_message.explanation':
      'Relaydesk non ha traccia di questa email: non si trova in una casella di assistenza collegata, oppure è arrivata prima che la casella venisse collegata.',
    'reason.mailbox_not_linked.title': 'Casella di posta non collegata',
    'reason.mailbox_not_linked.explanation':
      '{hasMailbox, select, yes {{mailbox}} other {Questa casella di posta}} non è collegata a Relaydesk, quindi le sue email non diventano ticket. Un amministratore può collegarla nella scheda Caselle di posta.',
    'reason.mailbox_not_syncing.title': 'Casella di posta non sincronizzata',
    'reason.mailbox_not_syncing.explanation':
      'La casella di posta {state, select, paused {è stata sospesa da un amministratore} needs_reauth {deve essere autorizzata di nuovo da un amministratore} pending {attende il consenso del proprietario} none {non è attiva} other {è nello stato {state}}}, quindi le nuove email non vengono acquisite finché un amministratore non risolve il problema.',
    'reason.waiting_for_sync.title': 'In attesa della prossima sincronizzazione',
    'reason.waiting_for_sync.explanation':
      'Relaydesk non ha ancora acquisito questa email: diventerà un ticket alla prossima sincronizzazione{hasLast, select, yes { (ultima sincronizzazione: {last, date, medium} {last, time, short})} other {}}.',
    'reason.read_before_sync.title': 'Letta prima che Relaydesk la acquisisse',
    'reason.read_before_sync.explanation':
      'Questa email era già stata letta quando Relaydesk ha sincronizzato la casella{hasLast, select, yes { ({last, date, medium} {last, time, short})} other {}}. Solo le email non lette diventano ticket: usa «Segna come da leggere» per farla acquisire.',
    'reason.suppressed.title': 'Nessun ticket, come previsto',
    'reason.suppressed.explanation':
      'Relaydesk non ha creato un ticket perché {code, select, auto_response {si tratta di una risposta automatica (un messaggio di assenza, un risponditore automatico o un rapporto di recapito)} mail_loop {proviene da un’altra casella di posta collegata a Relaydesk e creerebbe un ciclo di email} own_notification {è una notifica di Relaydesk stesso che torna indietro} bounce_unmatched {è un rapporto di mancato recapito che non corrisponde ad alcuna email inviata da Relaydesk} sender_blocked {il mittente è bloccato temporaneamente dopo aver inviato troppe email} sender_burst {il mittente ha inviato troppe email in poco tempo} no_sender {non ha un indirizzo mittente utilizzabile} other {un filtro l’ha messa da parte}}.',
    'reason.dead_letter.title': 'Impossibile elaborare l’email',
    'reason.dead_letter.explanation':
      'Relaydesk non è riuscito a leggere questa email (è malformata o troppo grande). Un amministratore può rielaborarla dall’elenco dei messaggi non elaborati.',
  },
);
