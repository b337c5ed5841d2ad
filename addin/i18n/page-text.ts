import { IntlMessageFormat } from 'intl-messageformat';
import { signIn } from './catalog/sign-in';
import type { PaneLocale } from './define-catalog';
import { paneLocale } from './locale';

/**
 * Words for the sign-in pages (sign-in.html, dialog-start.html, redirect.html): pages of their own without
 * React, so they read their one catalog directly. No DOM here: the page passes its query and the browser's
 * language, and a `?lang=` (or the identity provider's `ui_locales`) wins over the browser's.
 */
export type PageKey = keyof (typeof signIn)['en-US'];

export interface PageText {
  locale: PaneLocale;
  t(key: PageKey, values?: Record<string, string>): string;
}

export function pageText(search: string, browserLanguage: string | undefined): PageText {
  const query = new URLSearchParams(search);
  const locale = paneLocale(query.get('lang') ?? query.get('ui_locales')?.split(' ')[0] ?? browserLanguage);
  return { locale, t: (key, values) => String(new IntlMessageFormat(signIn[locale][key], locale).format(values)) };
}
