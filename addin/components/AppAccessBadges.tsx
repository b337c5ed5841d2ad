import { Badge, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';
import type { AppAccess } from '../api/types';

/**
 * An application-mode mailbox: "App-only", and what the last check proved: scoped (the probe mailbox was
 * refused) or tenant-wide (the app reads every mailbox). The probe address is written out, not hidden in a tooltip.
 */
export interface AppAccessBadgesProps {
  access: AppAccess | null;
}

const useStyles = makeStyles({
  row: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  detail: { color: tokens.colorNeutralForeground2 },
});

export function AppAccessBadges({ access }: AppAccessBadgesProps) {
  const styles = useStyles();
  const intl = useIntl();
  const scoped = access?.scope === 'scoped';
  const detail = access?.probe ? intl.formatMessage({ id: scoped ? 'mailboxes.appOnly.scopedDetail' : 'mailboxes.appOnly.tenantWideDetail' }, { probe: access.probe }) : null;
  return (
    <div className={styles.row} data-testid="mailbox-app-access" data-scope={access?.scope ?? ''}>
      <Badge appearance="outline" color="brand">{intl.formatMessage({ id: 'mailboxes.appOnly.badge' })}</Badge>
      {access && (
        <Badge appearance="tint" color={scoped ? 'success' : 'warning'} title={detail ?? undefined} data-testid="mailbox-scope">
          {intl.formatMessage({ id: scoped ? 'mailboxes.appOnly.scoped' : 'mailboxes.appOnly.tenantWide' })}
        </Badge>
      )}
      {detail && <Text size={200} className={styles.detail} data-testid="mailbox-probe">{detail}</Text>}
    </div>
  );
}
