import type { HostInfo } from './types';

/**
 * The language the user reads Office in (`Office.context.displayLanguage`, e.g. "it-IT"), which the pane
 * follows. Outside Outlook (a plain browser tab) Office says nothing useful, so the browser's language decides.
 */
export function displayLanguage(host: HostInfo): string | undefined {
  const fromOffice = host.inOutlook ? (globalThis.Office as typeof Office | undefined)?.context?.displayLanguage : undefined;
  return fromOffice || globalThis.navigator?.language || undefined;
}
