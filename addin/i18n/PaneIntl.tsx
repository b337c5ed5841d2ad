import type { ReactNode } from 'react';
import { IntlProvider } from 'react-intl';
import type { PaneLocale } from './define-catalog';
import { messagesFor } from './messages';

/** The pane's messages and formats (dates, numbers, plurals) for `locale`. */
export function PaneIntl({ locale, children }: { locale: PaneLocale; children: ReactNode }) {
  return (
    <IntlProvider locale={locale} defaultLocale="en-US" messages={messagesFor(locale)}>
      {children}
    </IntlProvider>
  );
}
