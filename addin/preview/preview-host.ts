import { PREVIEW_HOST_GLOBAL, type HostBody, type HostEvent, type HostItem, type HostPerson, type HostTheme, type OfficeHostPort } from '../office/preview/host-port';
import { DialogWindows } from './dialog-windows';

/**
 * The preview page as Outlook: who is signed in to it, its language and theme, the selected email, and the
 * dialogs the pane opens. It publishes an OfficeHostPort on the page's window for the pane frame's office.js
 * (addin/office/preview/), and a snapshot of its state for the page's React components.
 *
 * As in Outlook, a new selection or theme reaches the running pane as an event (ItemChanged,
 * OfficeThemeChanged), while another user or display language restarts the pane (`paneGeneration`).
 */

export interface HostState {
  user: HostPerson;
  language: string;
  theme: HostTheme;
  /** The selected email's REST id, or null. */
  selected: string | null;
  /** Bumped whenever the pane must start again (another Outlook user, another display language). */
  paneGeneration: number;
}

export class PreviewHost {
  readonly dialogs: DialogWindows;
  /** What the preview does when the pane asks Outlook to open an email (displayMessageForm). */
  onDisplayMessage: (restId: string) => void = () => undefined;
  private state: HostState;
  private item: HostItem | null = null;
  private readonly officeListeners = new Set<(event: HostEvent) => void>();
  private readonly stateListeners = new Set<() => void>();
  private readonly bodies = new Map<string, Promise<HostBody>>();

  constructor(
    private readonly win: Window,
    initial: Pick<HostState, 'user' | 'language' | 'theme'>,
    private readonly readBody: (restId: string) => Promise<HostBody>,
  ) {
    this.state = { ...initial, selected: null, paneGeneration: 0 };
    this.dialogs = new DialogWindows(win);
  }

  /** Puts the port where the pane frame and the dialog windows look for it. */
  install(): void {
    const port: OfficeHostPort = {
      user: () => this.state.user,
      displayLanguage: () => this.state.language,
      theme: () => this.state.theme,
      item: () => this.item,
      body: (item) => this.body(item.restId),
      subscribe: (listener) => {
        this.officeListeners.add(listener);
        return () => void this.officeListeners.delete(listener);
      },
      openDialog: (url, size, events) => {
        const opened = this.dialogs.open(url, size, events);
        return opened.ok ? { ok: true, close: opened.close } : opened;
      },
      dialogOf: (win) => this.dialogs.dialogOf(win),
      displayMessage: (restId) => this.onDisplayMessage(restId),
    };
    Object.defineProperty(this.win, PREVIEW_HOST_GLOBAL, { value: Object.freeze(port), configurable: true });
  }

  getState = (): HostState => this.state;

  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
  };

  /** Selects an email (null: none) and tells the pane, as Outlook does when the user clicks a message. */
  select(item: HostItem | null): void {
    if (item?.restId === this.item?.restId && item !== null) return;
    this.item = item;
    this.update({ selected: item?.restId ?? null });
    this.emit('item');
  }

  setTheme(theme: HostTheme): void {
    this.update({ theme });
    this.emit('theme');
  }

  setLanguage(language: string): void {
    this.update({ language, paneGeneration: this.state.paneGeneration + 1 });
  }

  /** Another Outlook user: the pane starts again, signed in as whoever MSAL's cache now names. */
  setUser(user: HostPerson): void {
    this.update({ user, paneGeneration: this.state.paneGeneration + 1 });
  }

  /** Starts the pane again (after a sign-in made outside it). */
  restartPane(): void {
    this.update({ paneGeneration: this.state.paneGeneration + 1 });
  }

  /** An email's body, read once (the reading pane and the pane's body.getAsync share it). */
  body(restId: string): Promise<HostBody> {
    let body = this.bodies.get(restId);
    if (!body) {
      body = this.readBody(restId);
      this.bodies.set(restId, body);
      body.catch(() => this.bodies.delete(restId));
    }
    return body;
  }

  private update(change: Partial<HostState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of [...this.stateListeners]) listener();
  }

  private emit(event: HostEvent): void {
    for (const listener of [...this.officeListeners]) {
      try {
        listener(event);
      } catch {
        // A pane that reloaded without saying goodbye: its listener is gone with it.
        this.officeListeners.delete(listener);
      }
    }
  }
}
