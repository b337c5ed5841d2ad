import { Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { FormattedDate, useIntl } from 'react-intl';
import type { AttachmentView, Comment } from '../../api/types';
import { commentKind } from '../../state/conversation-order';
import { personText } from '../TicketCard';
import { AttachmentList } from './AttachmentList';
import { CommentHtml } from './CommentHtml';

/** One message of the conversation; its kind (customer, public reply, internal note, Relaydesk) is visible. */
export interface CommentItemProps {
  comment: Comment;
  onDownload(attachment: AttachmentView): void;
}

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
    padding: tokens.spacingHorizontalS,
    borderRadius: tokens.borderRadiusMedium,
    borderLeft: `${tokens.strokeWidthThicker} solid ${tokens.colorNeutralStroke1}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  customer: { borderLeftColor: tokens.colorBrandStroke1 },
  reply: { borderLeftColor: tokens.colorPaletteGreenBorder2 },
  // Notes never reach the customer: a yellow page makes that obvious before anyone quotes one.
  note: { backgroundColor: tokens.colorPaletteYellowBackground1, borderLeftColor: tokens.colorPaletteYellowBorder2 },
  system: { backgroundColor: tokens.colorNeutralBackground3 },
  pending: { opacity: 0.7 },
  // Foreground2, not 3: on a note's yellow in the dark theme, 3 falls below 4.5:1.
  meta: { display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', gap: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground2 },
  kind: { fontWeight: tokens.fontWeightSemibold },
  body: { margin: 0, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: tokens.fontFamilyBase },
});

export function CommentItem({ comment, onDownload }: CommentItemProps) {
  const styles = useStyles();
  const intl = useIntl();
  const kind = commentKind(comment);
  const sending = comment.id < 0;
  const author = personText(comment.author);
  return (
    <li
      className={mergeClasses(styles.root, styles[kind], sending && styles.pending)}
      data-testid="comment"
      data-comment-id={comment.id}
      data-kind={kind}
      aria-busy={sending || undefined}
    >
      <div className={styles.meta}>
        <Text size={200} className={styles.kind}>
          {intl.formatMessage({ id: `conversation.kind.${kind}` })}
        </Text>
        <Text size={200}>
          {author} · {sending ? intl.formatMessage({ id: 'conversation.sending' }) : <FormattedDate value={comment.createdAt} dateStyle="medium" timeStyle="short" />}
        </Text>
      </div>
      {comment.bodyHtml ? (
        <CommentHtml html={comment.bodyHtml} text={comment.bodyText} author={author} />
      ) : (
        <Text as="p" className={styles.body}>
          {comment.bodyText}
        </Text>
      )}
      <AttachmentList attachments={comment.attachments ?? []} onDownload={onDownload} />
    </li>
  );
}
