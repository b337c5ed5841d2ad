/**
 * jsdom's globals, typed with the few members the tests use: the repository's Node tsconfig, which also
 * compiles test/, has no DOM library (and must not get one: the server would see browser globals).
 */
export interface TestWindow {
  location: { origin: string; href: string };
  open(url?: string, target?: string, features?: string): unknown;
  dispatchEvent(event: unknown): boolean;
}

interface MessageEventInit {
  data: unknown;
  origin: string;
  source: unknown;
}

export function jsdomWindow(): TestWindow {
  return (globalThis as unknown as { window: TestWindow }).window;
}

/** Dispatches a `message` event on the window, as a popup's postMessage would. */
export function postToWindow(data: unknown, source: unknown, origin = jsdomWindow().location.origin): void {
  const MessageEventCtor = (globalThis as unknown as { MessageEvent: new (type: string, init: MessageEventInit) => unknown }).MessageEvent;
  jsdomWindow().dispatchEvent(new MessageEventCtor('message', { data, origin, source }));
}

/** A DOM element as tests read it (Testing Library returns HTMLElement, which the Node program cannot see into). */
export interface TestElement {
  textContent: string | null;
  disabled?: boolean;
  getAttribute(name: string): string | null;
  querySelector(selector: string): TestElement | null;
}

export const el = (element: unknown): TestElement => element as TestElement;

/**
 * What browsers have and jsdom lacks, for the add-in code under test: TextDecoder (JWT claims are UTF-8) and
 * ResizeObserver (Fluent's MessageBar). Node's TextDecoder is the same WHATWG API.
 */
export function fillJsdomGaps(): void {
  const g = globalThis as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  g['TextDecoder'] ??= (require('node:util') as typeof import('node:util')).TextDecoder;
  g['ResizeObserver'] ??= class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}
