import { OfficeError, type HostInfo, type MailItem } from './types';

/**
 * The only code that reads Outlook's mailbox: the host, the selected item, and ItemChanged. Every `*Async`
 * callback becomes a promise that rejects with an OfficeError; a null item means "nothing selected" (a pinned
 * pane with no message selected, or a selection Outlook cannot show), never an exception.
 */

/** Waits for office.js. Outside Office (a plain browser tab) `host` is null and the pane runs without a mailbox. */
export async function officeReady(): Promise<HostInfo> {
  const office = globalThis.Office as typeof Office | undefined;
  if (!office?.onReady) return { inOutlook: false, nestedAppAuth: false };
  const info = await office.onReady();
  const inOutlook = info.host === office.HostType.Outlook && Boolean(office.context?.mailbox);
  const supported = (name: string, version: string): boolean => {
    try {
      return Boolean(office.context?.requirements?.isSetSupported(name, version));
    } catch {
      return false;
    }
  };
  return { inOutlook, nestedAppAuth: inOutlook && supported('NestedAppAuth', '1.1') };
}

/** The signed-in Outlook user's address (a login hint for sign-in), if Outlook says. */
export function userAddress(): string | undefined {
  return Office.context.mailbox?.userProfile?.emailAddress || undefined;
}

/** The selected message, or null when nothing (or something that is not a message) is selected. */
export async function currentItem(): Promise<MailItem | null> {
  const mailbox = Office.context.mailbox;
  const item = mailbox.item as Office.MessageRead | null | undefined;
  if (!item) return null;
  if (item.itemType !== undefined && String(item.itemType) !== String(Office.MailboxEnums.ItemType.Message)) return null;
  const from = item.from ? { address: item.from.emailAddress, name: item.from.displayName } : null;
  const created = item.dateTimeCreated instanceof Date && !Number.isNaN(item.dateTimeCreated.getTime()) ? item.dateTimeCreated.toISOString() : null;
  return {
    internetMessageId: item.internetMessageId ?? '',
    subject: item.subject ?? '',
    from,
    mailbox: (await sharedMailboxOwner(item)) ?? mailbox.userProfile?.emailAddress ?? null,
    receivedAt: created,
  };
}

/**
 * The owner of a shared or delegated folder's item (Mailbox 1.8), so the server can tell "not linked" from
 * "waiting for the next sync" for a support mailbox opened as a shared folder. Null when not shared.
 */
async function sharedMailboxOwner(item: Office.MessageRead): Promise<string | null> {
  if (typeof item.getSharedPropertiesAsync !== 'function') return null;
  return new Promise((resolve) => {
    try {
      item.getSharedPropertiesAsync((result) => {
        // Fails with an error for items in the user's own mailbox: that simply means "not shared".
        resolve(result.status === Office.AsyncResultStatus.Succeeded ? (result.value?.owner ?? null) : null);
      });
    } catch {
      resolve(null);
    }
  });
}

/**
 * Calls `handler` whenever the user selects another item in a pinned pane (Mailbox 1.5). Resolves with a
 * function that removes the handler; rejects with an OfficeError if Outlook refused to register it.
 */
export function onItemChanged(handler: () => void): Promise<() => Promise<void>> {
  const mailbox = Office.context.mailbox;
  return new Promise((resolve, reject) => {
    mailbox.addHandlerAsync(Office.EventType.ItemChanged, handler, (result: Office.AsyncResult<void>) => {
      if (result.status === Office.AsyncResultStatus.Failed) {
        reject(new OfficeError(result.error?.code ?? 0, result.error?.message ?? 'Outlook refused the ItemChanged handler'));
        return;
      }
      resolve(
        () =>
          new Promise<void>((done, fail) => {
            mailbox.removeHandlerAsync(Office.EventType.ItemChanged, (removed: Office.AsyncResult<void>) => {
              if (removed.status === Office.AsyncResultStatus.Failed) fail(new OfficeError(removed.error?.code ?? 0, removed.error?.message ?? 'Outlook refused to remove the handler'));
              else done();
            });
          }),
      );
    });
  });
}
