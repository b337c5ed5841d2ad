/**
 * Opens an email in Outlook's own reading window from its Graph (REST) id: displayMessageForm wants an EWS id.
 * False when the host cannot (no mailbox, or an API missing): the caller then does not offer the control.
 */
export function canOpenMessages(): boolean {
  const mailbox = (globalThis.Office as typeof Office | undefined)?.context?.mailbox;
  return typeof mailbox?.displayMessageForm === 'function' && typeof mailbox.convertToEwsId === 'function';
}

export function openMessage(restId: string): void {
  const mailbox = Office.context.mailbox;
  mailbox.displayMessageForm(mailbox.convertToEwsId(restId, Office.MailboxEnums.RestVersion.v2_0));
}
