import { useEffect, useState } from 'react';
import type { PaneServices } from '../services';
import type { PaneTheme } from './theme';

/** Office's theme, followed while the pane is open where the host reports changes. */
export function usePaneTheme(services: Pick<PaneServices, 'theme' | 'onThemeChanged'>): PaneTheme {
  const [theme, setTheme] = useState<PaneTheme>(() => services.theme());
  useEffect(() => {
    let remove: (() => void) | undefined;
    let gone = false;
    services.onThemeChanged(setTheme).then(
      (remover) => (gone ? remover() : (remove = remover)),
      () => undefined,
    );
    return () => {
      gone = true;
      remove?.();
    };
  }, [services]);
  return theme;
}
