import { defineServerCatalog } from '../outbound/message-catalog';

/**
 * The OAuth callback page's words (link-result-page.ts). A failure in English is the server's own message
 * (`detail`, which names accounts and Graph codes); in Italian a sentence per code, the detail shown below it.
 */
export const LINK_RESULT_MESSAGES = defineServerCatalog(
  {
    'link.title.ok': 'Mailbox linked',
    'link.title.failed': 'Mailbox not linked',
    'link.close': 'You can close this window.',
    'link.ok': '{address} is {purpose, select, link {linked} other {re-authorized}} and {state}.',
    'link.failed': '{code, select, other {{detail}}}',
  },
  {
    'link.title.ok': 'Casella di posta collegata',
    'link.title.failed': 'Casella di posta non collegata',
    'link.close': 'Puoi chiudere questa finestra.',
    'link.ok':
      '{address} è stata {purpose, select, link {collegata} other {autorizzata di nuovo}} ed è {state, select, active {attiva} paused {in pausa} pending {in attesa del consenso} needs_reauth {da autorizzare di nuovo} other {{state}}}.',
    'link.failed':
      '{code, select, already_linked {Questa casella di posta è già collegata: autorizzala di nuovo da Relaydesk.} settings_block_linking {Prima di collegare una casella di posta, attiva CC e follower nelle impostazioni dell’helpdesk: le risposte via email si basano su entrambi.} invalid_mailbox_state {La casella di posta è stata scollegata mentre il consenso era in attesa.} link_state_missing {La risposta di accesso non indica il collegamento: ricomincia da Relaydesk.} link_state_unknown {Questa risposta di accesso non appartiene a nessun collegamento avviato in Relaydesk.} link_state_used {Questa risposta di accesso è già stata usata: ricomincia il collegamento.} link_state_expired {La richiesta di collegamento è scaduta (10 minuti): ricomincia il collegamento.} consent_cancelled {Il consenso è stato annullato su Microsoft: non è stato collegato nulla.} consent_failed {Microsoft non ha concesso il consenso: non è stato collegato nulla.} wrong_account {Hai eseguito l’accesso con un account diverso da quello della casella di posta: non è stato collegato nulla.} mailbox_unavailable {Microsoft Graph non può gestire questa casella di posta (Exchange locale, casella inattiva o eliminata).} mailbox_access_denied {Il consenso non dà accesso alla posta in arrivo di questa casella.} graph_unreachable {Impossibile leggere la posta in arrivo per verificare l’accesso: riprova.} not_found {La casella di posta non è collegata.} other {Il collegamento non è riuscito: {detail}}}',
  },
);
