/** The page's visibility (a pinned pane hidden behind another window, a minimised Outlook), for the live poll. */
export const isPageVisible = (): boolean => document.visibilityState === 'visible';

export function onPageVisibilityChange(handler: () => void): () => void {
  document.addEventListener('visibilitychange', handler);
  return () => document.removeEventListener('visibilitychange', handler);
}
