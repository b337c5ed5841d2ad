import { Skeleton, SkeletonItem, makeStyles, tokens } from '@fluentui/react-components';
import { useIntl } from 'react-intl';

/** The shape of a ticket card while the lookup runs. */
const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, padding: tokens.spacingVerticalM },
  short: { width: '40%' },
});

export function LoadingSkeleton() {
  const styles = useStyles();
  const intl = useIntl();
  return (
    <Skeleton className={styles.root} aria-label={intl.formatMessage({ id: 'feedback.loading' })} aria-busy="true" data-testid="loading">
      <SkeletonItem className={styles.short} />
      <SkeletonItem size={24} />
      <SkeletonItem />
      <SkeletonItem />
      <SkeletonItem className={styles.short} />
    </Skeleton>
  );
}
