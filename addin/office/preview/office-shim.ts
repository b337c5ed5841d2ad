import { dialogNamespace } from './dialog-namespace';
import { PREVIEW_HOST_GLOBAL, type OfficeHostPort } from './host-port';
import { officeNamespace } from './office-namespace';

/**
 * The preview's office.js (webpack entry `preview-office`, served as /preview/office.js to the add-in's pages
 * under /preview/addin/). Loaded synchronously before the page's own scripts, as office.js is, it defines
 * `Office` from the preview page's host port:
 * - in a window the host opened as a dialog (window.opener's host knows it): the dialog namespace;
 * - in a frame of the preview page (window.parent's host): the task pane's namespace;
 * - anywhere else (a page opened on its own): nothing, so the page runs as it does outside Office.
 */

function portOf(win: Window | null): OfficeHostPort | null {
  try {
    return ((win as unknown as Record<string, OfficeHostPort | undefined> | null)?.[PREVIEW_HOST_GLOBAL] as OfficeHostPort | undefined) ?? null;
  } catch {
    // A cross-origin opener or parent: not the preview.
    return null;
  }
}

function install(office: object): void {
  Object.defineProperty(window, 'Office', { value: office, configurable: true, writable: true });
}

const dialog = portOf(window.opener as Window | null)?.dialogOf(window) ?? null;
const pane = window.parent !== window ? portOf(window.parent) : null;
if (dialog) install(dialogNamespace(dialog, window));
else if (pane) install(officeNamespace(pane, window));
