import { IntlMessageFormat } from 'intl-messageformat';
import type { MailboxLanguage } from '../mailboxes/mailbox-language';

/**
 * Relaydesk's own words on the server (its emails, the OAuth callback page), as ICU messages in every mailbox
 * language. The Italian side must have exactly the English keys, or the typecheck fails; test/server/outbound/
 * email-messages.test.ts also checks that both languages parse and use the same placeholders.
 */
export type ServerCatalog<Keys extends string = string> = Record<MailboxLanguage, Record<Keys, string>>;

export function defineServerCatalog<const Keys extends string>(en: Record<Keys, string>, it: NoInfer<Record<Keys, string>>): ServerCatalog<Keys> {
  return { 'en-US': en, 'it-IT': it };
}

export type MessageValues = Record<string, string | number>;
export type Translate<Keys extends string> = (key: Keys, values?: MessageValues) => string;

/** A formatter for one language; each message is parsed once, on first use. */
export function translator<Keys extends string>(catalog: ServerCatalog<Keys>, language: MailboxLanguage): Translate<Keys> {
  const compiled = new Map<Keys, IntlMessageFormat>();
  return (key, values) => {
    let format = compiled.get(key);
    if (!format) {
      format = new IntlMessageFormat(catalog[language][key], language);
      compiled.set(key, format);
    }
    // Only strings and numbers go in, so the result is a string (never an array of rich parts).
    return String(format.format(values));
  };
}
