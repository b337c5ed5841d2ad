/**
 * Copies text with the browser's asynchronous clipboard. Rejects where there is none or the host refuses it
 * (an iframe without clipboard-write permission, as some Outlook hosts are): the caller then says to copy by hand.
 */
export async function copyText(text: string): Promise<void> {
  if (typeof navigator === 'undefined' || !navigator.clipboard?.writeText) throw new Error('No clipboard here');
  await navigator.clipboard.writeText(text);
}
