import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** A quiet message where there is nothing to look up (no selection, not in Outlook, no Message-ID). The caller's words, already translated. */
export interface EmptyStateProps {
  title: ReactNode;
  message: ReactNode;
  testId: string;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, padding: tokens.spacingVerticalL, textAlign: 'center' },
  title: { margin: 0 },
  message: { margin: 0, color: tokens.colorNeutralForeground2 },
});

export function EmptyState({ title, message, testId }: EmptyStateProps) {
  const styles = useStyles();
  return (
    <div className={styles.root} data-testid={testId}>
      <Text as="h2" size={400} weight="semibold" className={styles.title}>
        {title}
      </Text>
      <Text as="p" className={styles.message}>
        {message}
      </Text>
    </div>
  );
}
