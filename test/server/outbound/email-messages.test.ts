import fs from 'node:fs';
import path from 'node:path';
import { LINK_RESULT_MESSAGES } from '../../../server/http/link-result-messages';
import { EMAIL_MESSAGES } from '../../../server/outbound/email-messages';
import { catalogProblems } from '../../support/icu-catalog';

/**
 * The server's own words (emails, the OAuth callback page) in every mailbox language: the same keys, ICU
 * that parses, the same placeholders, and every key the code names defined.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const keysNamedIn = (file: string, area: string) => [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(new RegExp(`'(${area}\\.[\\w.]+)'`, 'g'))].map((m) => m[1] ?? '');

describe('server message catalogs', () => {
  it('email messages: same keys, ICU, same placeholders and select branches, nothing empty', () => {
    expect(catalogProblems(EMAIL_MESSAGES)).toEqual([]);
  });

  // English passes the server's own failure message through; Italian spells each code out.
  it('callback page messages: same keys, ICU, same placeholders, nothing empty', () => {
    expect(catalogProblems(LINK_RESULT_MESSAGES, { selectKeys: false })).toEqual([]);
  });

  it.each([
    ['server/outbound/templates.ts', 'email', EMAIL_MESSAGES['en-US']],
    ['server/http/link-result-page.ts', 'link', LINK_RESULT_MESSAGES['en-US']],
  ])('defines every key %s names', (file, area, messages) => {
    const named = keysNamedIn(file, area);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((key) => !(key in messages))).toEqual([]);
  });
});
