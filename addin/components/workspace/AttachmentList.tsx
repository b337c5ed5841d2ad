import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { AttachmentView } from '../../api/types';

/** A comment's files: a download button each (through the API, with the token), or why the file was not kept. */
export interface AttachmentListProps {
  attachments: AttachmentView[];
  onDownload(attachment: AttachmentView): void;
}

const useStyles = makeStyles({
  list: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, margin: 0, padding: 0, listStyleType: 'none' },
  omitted: { color: tokens.colorNeutralForeground3 },
});

export function AttachmentList({ attachments, onDownload }: AttachmentListProps) {
  const styles = useStyles();
  const intl = useIntl();
  // Inline images belong to the HTML body; listing them as files would only repeat the email's logos.
  const files = attachments.filter((a) => !a.inline);
  if (files.length === 0) return null;
  const size = (bytes: number) =>
    bytes >= 1024 * 1024
      ? intl.formatNumber(bytes / (1024 * 1024), { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 })
      : intl.formatNumber(Math.max(1, Math.round(bytes / 1024)), { style: 'unit', unit: 'kilobyte' });
  return (
    <ul className={styles.list} aria-label={intl.formatMessage({ id: 'conversation.attachments' })}>
      {files.map((a) => (
        <li key={a.id}>
          {a.omittedReason ? (
            <Text size={200} className={styles.omitted}>
              {intl.formatMessage({ id: 'conversation.omitted' }, { filename: a.filename, reason: a.omittedReason })}
            </Text>
          ) : (
            <Button size="small" appearance="outline" onClick={() => onDownload(a)} data-testid="comment-attachment" data-attachment-id={a.id}>
              {intl.formatMessage({ id: 'conversation.download' }, { filename: a.filename, size: size(a.size) })}
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
}
