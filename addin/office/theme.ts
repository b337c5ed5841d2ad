import { themeOf, type PaneTheme } from '../state/theme';

/**
 * Office's theme (Office.context.officeTheme) as light or dark, and its change event where the host has one
 * (Office.EventType.OfficeThemeChanged: newer Outlook clients). Where neither exists the pane stays light.
 */
export function officeTheme(): PaneTheme {
  const office = globalThis.Office as typeof Office | undefined;
  try {
    return themeOf(office?.context?.officeTheme?.bodyBackgroundColor);
  } catch {
    // Some hosts throw from officeTheme instead of leaving it undefined.
    return 'light';
  }
}

/** Calls `handler` with the new theme when Office's theme changes; resolves with a remover (a no-op where unsupported). */
export function onOfficeThemeChanged(handler: (theme: PaneTheme) => void): Promise<() => void> {
  const office = globalThis.Office as typeof Office | undefined;
  const event = office?.EventType?.OfficeThemeChanged;
  const mailbox = office?.context?.mailbox;
  const none = () => undefined;
  if (!event || typeof mailbox?.addHandlerAsync !== 'function') return Promise.resolve(none);
  const listener = (arg: { officeTheme?: { bodyBackgroundColor?: string } }) => handler(arg.officeTheme ? themeOf(arg.officeTheme.bodyBackgroundColor) : officeTheme());
  return new Promise((resolve) => {
    try {
      mailbox.addHandlerAsync(event, listener, (result: Office.AsyncResult<void>) => {
        // Refused (the host knows the event name but does not raise it): the theme read at start stays.
        if (result.status === Office.AsyncResultStatus.Failed) return resolve(none);
        resolve(() => mailbox.removeHandlerAsync(event, () => undefined));
      });
    } catch {
      resolve(none);
    }
  });
}
