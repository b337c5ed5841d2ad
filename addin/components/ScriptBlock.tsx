import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useIntl } from 'react-intl';

/** A PowerShell script to read and copy; when the host refuses the clipboard, it says to select and copy by hand. */
export interface ScriptBlockProps {
  label: string;
  script: string;
  testId: string;
  copy(text: string): Promise<void>;
}

const useStyles = makeStyles({
  header: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS },
  code: {
    margin: 0,
    padding: tokens.spacingHorizontalS,
    maxHeight: '16rem',
    overflow: 'auto',
    whiteSpace: 'pre',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
  },
});

export function ScriptBlock({ label, script, testId, copy }: ScriptBlockProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const onCopy = () => copy(script).then(() => setCopied('yes'), () => setCopied('failed'));
  return (
    <div>
      <div className={styles.header}>
        <Text weight="semibold" size={200}>{label}</Text>
        <Button size="small" onClick={onCopy} data-testid={`${testId}-copy`}>
          {intl.formatMessage({ id: copied === 'yes' ? 'mailboxes.appOnly.copied' : 'mailboxes.appOnly.copy' })}
        </Button>
      </div>
      {copied === 'failed' && <Text size={200} role="status">{intl.formatMessage({ id: 'mailboxes.appOnly.copyFailed' })}</Text>}
      {/* A focusable named region: the script scrolls, and keyboard users must reach it to select it. */}
      <pre className={styles.code} role="region" tabIndex={0} aria-label={label} data-testid={testId}>{script}</pre>
    </div>
  );
}
