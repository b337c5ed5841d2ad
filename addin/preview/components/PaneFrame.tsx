import { makeStyles, tokens } from '@fluentui/react-components';
import { useText } from '../preview-text';

/**
 * The real task pane, in a frame as Outlook on the web hosts it, loaded from /preview/addin/ where its office.js
 * is the preview's Office host. A new `generation` starts it again (another user or language, as Outlook does).
 */
export interface PaneFrameProps {
  generation: number;
}

/** Outlook on the web's task pane width. */
const PANE_WIDTH = 380;

const useStyles = makeStyles({
  frame: { width: `${PANE_WIDTH}px`, height: '100%', border: 'none', borderLeft: `1px solid ${tokens.colorNeutralStroke2}`, backgroundColor: tokens.colorNeutralBackground1 },
});

export function PaneFrame({ generation }: PaneFrameProps) {
  const styles = useStyles();
  const t = useText();
  return <iframe key={generation} className={styles.frame} src="/preview/addin/taskpane.html" title={t('preview.pane')} name="relaydesk-pane" data-testid="pane" />;
}
