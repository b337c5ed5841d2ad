import type { Catalog } from '../../addin/i18n/define-catalog';
import { catalogProblems } from '../support/icu-catalog';
import { loadAddin } from './support/load-addin';

/**
 * The preview page's words (addin/preview/preview-catalog.ts) live outside the pane's catalogs, so the pane's
 * i18n test does not see them: the same checks here (same keys in both languages, ICU that parses, the same
 * placeholders), and every select the page fills from data has a branch for each value.
 */
const { previewCatalog } = loadAddin<{ previewCatalog: Catalog }>('preview/preview-catalog');
const { previewText } = loadAddin<{ previewText(locale: 'en-US' | 'it-IT'): (key: string, values?: Record<string, string>) => string }>('preview/preview-text');
const { MAIL_KINDS } = loadAddin<{ MAIL_KINDS: readonly string[] }>('preview/preview-api');

test('both languages: same keys, ICU, same placeholders, nothing empty', () => {
  expect(catalogProblems(previewCatalog)).toEqual([]);
});

test.each(['en-US', 'it-IT'] as const)('names every kind of customer email distinctly in %s', (locale) => {
  const t = previewText(locale);
  const names = MAIL_KINDS.map((kind) => t('preview.kind', { kind: kind.replace('-', '_') }));
  expect(new Set(names).size).toBe(MAIL_KINDS.length);
});

test('formats the sign-in button with the role in Italian', () => {
  expect(previewText('it-IT')('preview.signInAs', { name: 'Adele Vance', role: 'admin' })).toBe('Accedi come Adele Vance (amministratore)');
});
