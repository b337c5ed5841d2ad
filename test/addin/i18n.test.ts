import fs from 'node:fs';
import path from 'node:path';
import type { NoTicketReason } from '../../addin/api/types';
import type { Catalog } from '../../addin/i18n/define-catalog';
import { argumentsOf, catalogProblems } from '../support/icu-catalog';
import { ADDIN_DIR, loadAddin } from './support/load-addin';

/**
 * The pane's catalogs: both languages have the same keys, every message is ICU with the same placeholders in
 * both, and every message id the pane's source names exists, so an Italian user never meets a raw key.
 */
const { CATALOGS, messagesFor } = loadAddin<{ CATALOGS: readonly Catalog[]; messagesFor(locale: 'en-US' | 'it-IT'): Record<string, string> }>('i18n/messages');
const { paneLocale } = loadAddin<{ paneLocale(language: string | null | undefined): 'en-US' | 'it-IT' }>('i18n/locale');
const { pageText } = loadAddin<{ pageText(search: string, language: string | undefined): { locale: string; t(key: string, values?: Record<string, string>): string } }>('i18n/page-text');

const english = messagesFor('en-US');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'assets' || entry.name === 'i18n' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Message ids written out in the source: `id: '…'`, `id="…"`, and quoted keys of the areas whose hooks pass ids around. */
function idsIn(source: string): string[] {
  const patterns = [/\bid:\s*'([^'`$]+)'/g, /\bid="([^"]+)"/g, /'((?:mailboxes|signIn|reason|feedback|common)\.[A-Za-z_.-]+)'/g];
  return [...new Set(patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1] ?? '')))].filter((id) => /^[a-z][A-Za-z]*\.[\w.-]+$/.test(id));
}

describe('pane message catalogs', () => {
  it.each(CATALOGS.map((c) => [Object.keys(c['en-US'])[0] ?? '(empty)', c] as const))('catalog of %s: same keys, ICU, same placeholders, nothing empty', (_first, catalog) => {
    expect(catalogProblems(catalog)).toEqual([]);
  });

  it('defines each key in one catalog only (a second definition would silently win)', () => {
    const seen = new Map<string, number>();
    for (const catalog of CATALOGS) for (const key of Object.keys(catalog['en-US'])) seen.set(key, (seen.get(key) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([key]) => key)).toEqual([]);
  });

  it('has every message id the pane source names', () => {
    const missing = sourceFiles(ADDIN_DIR).flatMap((file) => idsIn(fs.readFileSync(file, 'utf8')).filter((id) => !(id in english)).map((id) => `${path.relative(ADDIN_DIR, file)}: ${id}`));
    expect(missing).toEqual([]);
  });

  it('has the messages whose ids the source builds from data (states, languages, no-ticket reasons)', () => {
    const reasons: NoTicketReason[] = ['unknown_message', 'mailbox_not_linked', 'mailbox_not_syncing', 'waiting_for_sync', 'read_before_sync', 'suppressed', 'dead_letter'];
    const built = [
      ...['pending', 'active', 'paused', 'needs_reauth', 'unlinked'].map((s) => `mailboxes.state.${s}`),
      ...['en-US', 'it-IT'].map((l) => `mailboxes.language.${l}`),
      ...reasons.flatMap((r) => [`reason.${r}.title`, `reason.${r}.explanation`]),
      ...['mark_read', 'leave_unread', 'move'].map((a) => `mailboxes.afterIngest.${a}`),
      ...['all_unread', 'from_now', 'last_days'].map((m) => `mailboxes.firstSync.${m}`),
      ...['refresh_token_inactive', 'client_secret_expiring', 'certificate_expiring', 'consent_lost'].map((k) => `mailboxes.credentials.${k}`),
    ];
    expect(built.filter((id) => !(id in english))).toEqual([]);
  });

  it('finds a missing id in source text (the scan can fail)', () => {
    expect(idsIn(`formatMessage({ id: 'mailboxes.nope' }); <FormattedMessage id="signIn.gone" />`)).toEqual(['mailboxes.nope', 'signIn.gone']);
    expect(argumentsOf('{n, plural, one {# email} other {# emails}} from {who}')).toEqual(['n', 'who']);
    expect(catalogProblems({ 'en-US': { a: '{x', b: 'Hi {name}', c: '{k, select, yes {y} other {n}}' }, 'it-IT': { a: 'x', b: 'Ciao {nome}', c: '{k, select, other {n}}' } })).toEqual([
      expect.stringMatching(/^a: not ICU in en-US/),
      'b: placeholders differ (en-US: name; it-IT: nome)',
      'c: placeholders differ (en-US: k, k=other, k=yes; it-IT: k, k=other)',
    ]);
    expect(catalogProblems({ 'en-US': { a: 'A', b: ' ' }, 'it-IT': { a: 'A', b: 'B' } as Record<string, string> })).toEqual(['b: empty in en-US']);
  });
});

describe('pane language', () => {
  it.each([
    ['it-IT', 'it-IT'],
    ['it-CH', 'it-IT'],
    ['it', 'it-IT'],
    ['en-GB', 'en-US'],
    ['de-DE', 'en-US'],
    [undefined, 'en-US'],
  ])('%s reads as %s', (language, locale) => {
    expect(paneLocale(language)).toBe(locale);
  });

  it('speaks the sign-in pages in ?lang=, else the browser language', () => {
    expect(pageText('?lang=it-IT', 'en-US').t('signIn.page.opening')).toBe('Apertura della pagina di accesso…');
    expect(pageText('', 'it-IT').t('signIn.page.redirectFailed', { message: 'x' })).toBe('Impossibile completare l’accesso: x');
    expect(pageText('', 'en-US').t('signIn.page.opening')).toBe('Opening the sign-in page…');
  });
});
