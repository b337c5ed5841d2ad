/**
 * XML through jsdom's DOMParser (tests with `@jest-environment jsdom`), typed with the members the tests use,
 * since the Node tsconfig has no DOM library.
 */
export interface XmlElement {
  localName: string;
  namespaceURI: string | null;
  textContent: string | null;
  parentElement: XmlElement | null;
  children: ArrayLike<XmlElement>;
  attributes: ArrayLike<{ name: string; localName: string; value: string }>;
  getAttribute(name: string): string | null;
  getAttributeNS(namespace: string, name: string): string | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export function parseXml(text: string): XmlElement {
  const Parser = (globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): { documentElement: XmlElement } } }).DOMParser;
  const root = new Parser().parseFromString(text, 'application/xml').documentElement;
  if (root.localName === 'parsererror' || root.getElementsByTagNameNS('*', 'parsererror').length > 0) throw new Error(`not well-formed XML: ${root.textContent ?? ''}`);
  return root;
}

/** Every element under `root` (depth first), optionally not descending into elements `stop` says no to. */
export function descendants(root: XmlElement, stop: (e: XmlElement) => boolean = () => false): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const child of Array.from(e.children)) {
      out.push(child);
      if (!stop(child)) walk(child);
    }
  };
  walk(root);
  return out;
}
