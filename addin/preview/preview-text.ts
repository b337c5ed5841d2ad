import { IntlMessageFormat } from 'intl-messageformat';
import { createContext, useContext } from 'react';
import type { PaneLocale } from '../i18n/define-catalog';
import { previewCatalog, type PreviewKey } from './preview-catalog';

/** The preview page's words in its language (the same choice as the pane's: Italian for any Italian). */
export type PreviewText = (key: PreviewKey, values?: Record<string, string>) => string;

export function previewText(locale: PaneLocale): PreviewText {
  const compiled = new Map<PreviewKey, IntlMessageFormat>();
  return (key, values) => {
    let format = compiled.get(key);
    if (!format) compiled.set(key, (format = new IntlMessageFormat(previewCatalog[locale][key], locale)));
    return String(format.format(values));
  };
}

export const PreviewTextContext = createContext<PreviewText>(previewText('en-US'));

export const useText = (): PreviewText => useContext(PreviewTextContext);
