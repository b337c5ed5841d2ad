import { useIntl } from 'react-intl';
import { relativeTime } from '../../state/relative-time';

/** "3 hours ago" in the pane's language, with the exact time in the element for assistive tech and tooltips. */
export function RelativeTime({ iso, now }: { iso: string; now: number }) {
  const intl = useIntl();
  const parts = relativeTime(iso, now);
  if (!parts) return <>{iso}</>;
  return (
    <time dateTime={iso} title={intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' })}>
      {intl.formatRelativeTime(parts.value, parts.unit, { numeric: 'auto' })}
    </time>
  );
}
