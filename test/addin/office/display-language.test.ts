/** @jest-environment jsdom */
import type { HostInfo } from '../../../addin/office/types';
import { loadAddin } from '../support/load-addin';

const { displayLanguage } = loadAddin<{ displayLanguage(host: HostInfo): string | undefined }>('office/display-language');

/** The pane follows Outlook's display language; outside Outlook (or when Outlook says nothing) the browser's. */

const OUTLOOK = { inOutlook: true, nestedAppAuth: false };
const BROWSER = { inOutlook: false, nestedAppAuth: false };
const browserLanguage = () => (globalThis as unknown as { navigator: { language: string } }).navigator.language;

afterEach(() => {
  delete (globalThis as { Office?: unknown }).Office;
});

it("reads Outlook's display language in Outlook", () => {
  (globalThis as { Office?: unknown }).Office = { context: { displayLanguage: 'it-IT' } };
  expect(displayLanguage(OUTLOOK)).toBe('it-IT');
});

it("uses the browser's language outside Outlook, even where office.js is loaded", () => {
  (globalThis as { Office?: unknown }).Office = { context: { displayLanguage: 'it-IT' } };
  expect(displayLanguage(BROWSER)).toBe(browserLanguage());
});

it("falls back to the browser's language when Outlook gives none", () => {
  (globalThis as { Office?: unknown }).Office = { context: {} };
  expect(displayLanguage(OUTLOOK)).toBe(browserLanguage());
});
