import { Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { HostBody } from '../../office/preview/host-port';
import type { InboxMessage } from '../preview-api';
import { useText } from '../preview-text';

/**
 * The selected email, as Outlook's reading pane shows it: subject, sender, recipients, and its text. Customer
 * HTML is shown as text here (the task pane has its own sanitized view); none of it becomes part of this page.
 */
export interface ReadingPaneProps {
  message: InboxMessage | null;
  readBody(id: string): Promise<HostBody>;
}

const useStyles = makeStyles({
  root: { minWidth: 0, overflowY: 'auto', padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  muted: { color: tokens.colorNeutralForeground3 },
  text: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', margin: 0, fontFamily: 'inherit', fontSize: tokens.fontSizeBase300 },
});

const asText = (body: HostBody): string => (body.contentType === 'text' ? body.content : (new DOMParser().parseFromString(body.content, 'text/html').body?.textContent ?? ''));
const people = (list: { address: string; name: string }[]) => list.map((p) => (p.name && p.name !== p.address ? `${p.name} <${p.address}>` : p.address)).join(', ');

export function ReadingPane({ message, readBody }: ReadingPaneProps) {
  const styles = useStyles();
  const t = useText();
  const [text, setText] = useState<{ id: string; text: string } | null>(null);
  useEffect(() => {
    if (!message) return;
    let current = true;
    readBody(message.id).then(
      (body) => current && setText({ id: message.id, text: asText(body) }),
      () => current && setText({ id: message.id, text: message.preview }),
    );
    return () => void (current = false);
  }, [message, readBody]);
  if (!message) return <section className={styles.root} />;
  return (
    <section className={styles.root} aria-label={message.subject} data-testid="reading-pane">
      <Text as="h2" size={500} weight="semibold">
        {message.subject || t('preview.inbox.noSubject')}
      </Text>
      <Text weight="semibold">{message.from ? people([message.from]) : ''}</Text>
      <Text className={styles.muted}>{people([...message.to, ...message.cc])}</Text>
      <pre className={styles.text}>{text?.id === message.id ? text.text : ''}</pre>
    </section>
  );
}
