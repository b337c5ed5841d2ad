import { Button, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useIntl } from 'react-intl';
import { commentSrcdoc, frameHeight, hasRemoteContent } from '../../state/srcdoc';

/**
 * A customer's HTML email in a sandboxed frame (srcdoc, `sandbox=""`: no scripts, opaque origin; the srcdoc's
 * own CSP blocks remote images until "Show images").
 *
 * Why HTML by default in a fixed-height frame rather than text first: the HTML is what the customer wrote
 * (tables, quotes, inline images), and agents asked for it; the frame cannot be sized to its content because
 * measuring it needs same-origin access or a script inside, which is exactly what the sandbox refuses. So its
 * height is estimated from the text's length, capped, scrolls inside, and can be dragged taller.
 */
export interface CommentHtmlProps {
  html: string;
  text: string;
  author: string;
}

const useStyles = makeStyles({
  frame: {
    display: 'block',
    width: '100%',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    // The email's own colours assume white paper, in dark theme too.
    backgroundColor: '#ffffff',
    resize: 'vertical',
    overflow: 'auto',
  },
});

export function CommentHtml({ html, text, author }: CommentHtmlProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [images, setImages] = useState(false);
  return (
    <>
      <iframe
        className={styles.frame}
        sandbox=""
        srcDoc={commentSrcdoc(html, images)}
        title={intl.formatMessage({ id: 'conversation.htmlTitle' }, { author })}
        style={{ height: `${frameHeight(text)}px` }}
        referrerPolicy="no-referrer"
        data-testid="comment-html"
        data-images={images ? 'shown' : 'blocked'}
      />
      {!images && hasRemoteContent(html) && (
        <Button size="small" appearance="subtle" onClick={() => setImages(true)} data-testid="show-images">
          {intl.formatMessage({ id: 'conversation.showImages' })}
        </Button>
      )}
    </>
  );
}
