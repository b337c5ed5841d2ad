/** A message the mailboxes view shows after an action: what happened, in the pane's words. */
export interface Notice {
  intent: 'success' | 'warning' | 'error';
  code: string;
  message: string;
}
