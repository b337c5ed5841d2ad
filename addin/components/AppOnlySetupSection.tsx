import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import type { AppOnlySetup } from '../api/types';
import { ScriptBlock } from './ScriptBlock';

/**
 * "Set up access in Exchange Online", collapsed at first: the RBAC for Applications PowerShell filled in with
 * the app id and the typed address (asked of the server, which knows the app id), and the script that tests it.
 */
export interface AppOnlySetupSectionProps {
  /** The address typed so far; '' while it is not a valid one. */
  address: string;
  loadSetup(addresses: readonly string[]): Promise<AppOnlySetup>;
  copy(text: string): Promise<void>;
}

type Loaded = { address: string; setup: AppOnlySetup } | { address: string; error: string };

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  toggle: { alignSelf: 'flex-start' },
  hint: { color: tokens.colorNeutralForeground2 },
});

export function AppOnlySetupSection({ address, loadSetup, copy }: AppOnlySetupSectionProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  useEffect(() => {
    if (!open || !address) return;
    let live = true;
    // Every valid address typed asks again; a slower answer for an older address must not win.
    loadSetup([address]).then(
      (setup) => live && setLoaded({ address, setup }),
      (error: unknown) => live && setLoaded({ address, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => void (live = false);
  }, [open, address, loadSetup]);
  const current = loaded?.address === address ? loaded : null;
  return (
    <div className={styles.root}>
      <Button className={styles.toggle} appearance="transparent" size="small" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="app-setup-toggle">
        {intl.formatMessage({ id: open ? 'mailboxes.appOnly.setup.hide' : 'mailboxes.appOnly.setup.show' })}
      </Button>
      {open && !address && <Text size={200} className={styles.hint}>{intl.formatMessage({ id: 'mailboxes.appOnly.setup.needAddress' })}</Text>}
      {open && address && !current && <Text size={200} className={styles.hint}>{intl.formatMessage({ id: 'mailboxes.appOnly.setup.loading' })}</Text>}
      {open && current && 'error' in current && <Text size={200} role="alert" data-testid="app-setup-error">{current.error}</Text>}
      {open && current && 'setup' in current && (
        <>
          <Text size={200} className={styles.hint}>{intl.formatMessage({ id: 'mailboxes.appOnly.setup.intro' })}</Text>
          <ScriptBlock key={`s:${current.address}`} label={intl.formatMessage({ id: 'mailboxes.appOnly.setup.script' })} script={current.setup.script} testId="app-setup-script" copy={copy} />
          <ScriptBlock key={`t:${current.address}`} label={intl.formatMessage({ id: 'mailboxes.appOnly.setup.test' })} script={current.setup.testScript} testId="app-setup-test" copy={copy} />
        </>
      )}
    </div>
  );
}
