import { common } from './catalog/common';
import type { Catalog, PaneLocale } from './define-catalog';

/** Every area's catalog. An area adds its file in ./catalog/ and one line here. */
export const CATALOGS: readonly Catalog[] = [common];

export function messagesFor(locale: PaneLocale): Record<string, string> {
  return Object.assign({}, ...CATALOGS.map((c) => c[locale])) as Record<string, string>;
}
