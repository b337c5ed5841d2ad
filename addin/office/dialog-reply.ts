/**
 * Inside an Office dialog: sends `message` to the pane that opened it (Office.context.ui.messageParent).
 * False when this page is not in an Office dialog (opened in a plain tab, say).
 */
export async function replyToPane(message: string): Promise<boolean> {
  const office = globalThis.Office as typeof Office | undefined;
  if (!office?.onReady) return false;
  await office.onReady();
  if (typeof office.context?.ui?.messageParent !== 'function') return false;
  office.context.ui.messageParent(message);
  return true;
}
