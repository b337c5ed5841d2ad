import { MessageBar, MessageBarBody, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import type { InboxMessage } from '../preview-api';
import { useText } from '../preview-text';

/** The Inbox as Outlook lists it: sender, subject, a line of the text, when; unread in bold; one selected. */
export interface MessageListProps {
  mailbox: string;
  messages: InboxMessage[] | null;
  error: string | null;
  selected: string | null;
  locale: string;
  onSelect(message: InboxMessage): void;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', minWidth: 0, overflowY: 'auto', borderRight: `1px solid ${tokens.colorNeutralStroke2}` },
  heading: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`, margin: 0 },
  row: {
    display: 'flex', flexDirection: 'column', textAlign: 'left', width: '100%', cursor: 'pointer',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`, border: 'none', borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    borderLeft: `3px solid transparent`, backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1, font: 'inherit',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  selected: { backgroundColor: tokens.colorBrandBackground2, borderLeft: `3px solid ${tokens.colorBrandStroke1}` },
  unread: { fontWeight: tokens.fontWeightSemibold },
  line: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  muted: { color: tokens.colorNeutralForeground3 },
  empty: { padding: tokens.spacingHorizontalM },
});

export function MessageList({ mailbox, messages, error, selected, locale, onSelect }: MessageListProps) {
  const styles = useStyles();
  const t = useText();
  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <nav className={styles.root} aria-label={t('preview.inbox', { mailbox })}>
      <Text as="h2" size={400} weight="semibold" className={styles.heading}>
        {t('preview.inbox', { mailbox })}
      </Text>
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{t('preview.inbox.failed', { message: error })}</MessageBarBody>
        </MessageBar>
      )}
      {messages?.length === 0 && <Text className={styles.empty}>{t('preview.inbox.empty')}</Text>}
      {messages?.map((m) => (
        <button
          key={m.id}
          type="button"
          className={mergeClasses(styles.row, m.id === selected && styles.selected, !m.isRead && styles.unread)}
          aria-current={m.id === selected}
          data-testid="message"
          data-message-id={m.internetMessageId}
          data-read={String(m.isRead)}
          onClick={() => onSelect(m)}
        >
          <span className={styles.line}>{m.from?.name ?? m.from?.address ?? ''}</span>
          <span className={mergeClasses(styles.line, styles.muted)}>{time.format(new Date(m.receivedAt))}{m.isRead ? '' : ` · ${t('preview.inbox.unread')}`}</span>
          <span className={styles.line}>{m.subject || t('preview.inbox.noSubject')}</span>
          <span className={mergeClasses(styles.line, styles.muted)}>{m.preview}</span>
        </button>
      ))}
    </nav>
  );
}
