import { createRoot } from 'react-dom/client';
import { paneLocale } from '../i18n/locale';
import type { HostTheme } from '../office/preview/host-port';
import { PreviewApp } from './components/PreviewApp';
import { previewApi } from './preview-api';
import { PreviewHost } from './preview-host';
import { loadSession } from './session';

/**
 * Entry of the preview at `/` (sandbox mode only): the preview's Outlook (PreviewHost) is installed before the
 * pane's frame exists, so the frame's office.js finds it; then the page renders.
 */
async function main(): Promise<void> {
  const saved = readSettings();
  const setup = await previewApi.setup();
  const session = loadSession(window.sessionStorage);
  const person = setup.people.find((p) => p.upn === session?.upn) ?? setup.people[0];
  const user = session ? { address: session.upn, name: session.name } : { address: person?.upn ?? setup.mailbox, name: person?.name ?? setup.mailbox };
  const host = new PreviewHost(window, { user, language: saved.language ?? paneLocale(navigator.language), theme: saved.theme ?? 'light' }, (id) => previewApi.body(id));
  host.install();
  createRoot(document.getElementById('root') as HTMLElement).render(<PreviewApp host={host} setup={setup} settings={window.localStorage} sessions={window.sessionStorage} />);
}

function readSettings(): { language?: string; theme?: HostTheme } {
  try {
    const value = JSON.parse(window.localStorage.getItem('relaydesk.preview.settings') ?? '{}') as { language?: unknown; theme?: unknown };
    return { ...(typeof value.language === 'string' ? { language: value.language } : {}), ...(value.theme === 'dark' || value.theme === 'light' ? { theme: value.theme } : {}) };
  } catch {
    return {};
  }
}

main().catch((error: unknown) => {
  const root = document.getElementById('root') as HTMLElement;
  root.textContent = `Relaydesk preview: ${error instanceof Error ? error.message : String(error)}`;
});
