/**
 * "3 minutes ago" as a value and unit for Intl.RelativeTimeFormat (react-intl's formatRelativeTime): the largest
 * unit that is at least 1, so a queue row reads "2 days ago" rather than "2,880 minutes ago".
 */
export type RelativeUnit = 'second' | 'minute' | 'hour' | 'day' | 'month' | 'year';

const STEPS: readonly [RelativeUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** Null for a timestamp that does not parse. Negative values are in the past. */
export function relativeTime(iso: string, now: number): { value: number; unit: RelativeUnit } | null {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return null;
  const seconds = Math.round((at - now) / 1000);
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return { value: Math.trunc(seconds / size), unit };
  }
  return { value: seconds, unit: 'second' };
}
