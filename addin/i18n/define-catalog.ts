/**
 * One area's messages in both languages. The Italian side must have exactly the English keys: a key missing
 * (or extra) in either language fails the typecheck, and test/addin/i18n.test.ts also checks that every message
 * parses as ICU and that both languages use the same placeholders.
 */
export function defineCatalog<const Keys extends string>(en: Record<Keys, string>, it: NoInfer<Record<Keys, string>>): Catalog<Keys> {
  return { 'en-US': en, 'it-IT': it };
}

export type PaneLocale = 'en-US' | 'it-IT';

export type Catalog<Keys extends string = string> = Record<PaneLocale, Record<Keys, string>>;
