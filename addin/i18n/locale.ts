import type { PaneLocale } from './define-catalog';

export const PANE_LOCALES: readonly PaneLocale[] = ['en-US', 'it-IT'];

/**
 * The pane's language from Outlook's display language (`Office.context.displayLanguage`, e.g. "it-IT", "it-CH",
 * "en-GB"): Italian for any Italian, English otherwise. Outside Outlook the browser's language decides.
 */
export function paneLocale(displayLanguage: string | null | undefined): PaneLocale {
  return /^it(?:-|$)/i.test(displayLanguage?.trim() ?? '') ? 'it-IT' : 'en-US';
}
