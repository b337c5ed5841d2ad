/**
 * What a scenario hands back, and how it is printed. A scenario reports figures for one or more columns
 * (e.g. Relaydesk and the peer pattern) and, for some figures, a target that the first column should meet.
 * A missed target is reported, never an error.
 */

export interface Target {
  /** 'max': the figure must be at most `value`; 'min': at least. */
  kind: 'max' | 'min';
  value: number;
  /** The column the target applies to (default 0, the first). */
  column?: number;
}

export interface Figure {
  /** The JSON name, e.g. messagesPerSecond. */
  name: string;
  label: string;
  /** Decimal places in the table. */
  digits: number;
  /** One value per column, in column order. */
  values: number[];
  target?: Target;
  /** Targets for further columns (e.g. another mode of the same pattern), beside `target`. */
  moreTargets?: Target[];
}

function targetsOf(figure: Figure): Target[] {
  return [...(figure.target ? [figure.target] : []), ...(figure.moreTargets ?? [])];
}

function metOn(figure: Figure, target: Target): boolean {
  return targetMet(figure.values[target.column ?? 0]!, target);
}

export interface ScenarioReport {
  scenario: string;
  title: string;
  /** Column headings, e.g. ['Relaydesk', 'Peer pattern']. The targets apply to the first column. */
  columns: string[];
  figures: Figure[];
  /** Lines printed under the table (settings, caveats). */
  notes: string[];
  /** Correctness problems (lost or duplicated mail...): the process exits non-zero when there are any. */
  problems: string[];
  /** Everything else measured, written to the JSON as is. */
  details: Record<string, unknown>;
}

export function targetMet(value: number, target: Target): boolean {
  return target.kind === 'max' ? value <= target.value : value >= target.value;
}

function formatNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatTarget(target: Target, columns: readonly string[], several: boolean): string {
  const bound = `${target.kind === 'max' ? '<=' : '>='} ${formatNumber(target.value, target.value % 1 === 0 ? 0 : 2)}`;
  return several ? `${bound} (${shortName(columns[target.column ?? 0] ?? '?')})` : bound;
}

/** The readable table: figures, each column, the ratio of the second column to the first, target, result. */
export function formatReport(report: ScenarioReport): string {
  const withRatio = report.columns.length >= 2;
  const header = ['Figure', ...report.columns, ...(withRatio ? [`Ratio ${shortName(report.columns[1]!)}/${shortName(report.columns[0]!)}`] : []), 'Target', 'Result'];
  const rows = report.figures.map((f) => {
    const ratio = withRatio ? [formatNumber(ratioOf(f), 2)] : [];
    const targets = targetsOf(f);
    const several = targets.length > 1;
    return [
      `${f.label} (${f.name})`,
      ...f.values.map((v) => formatNumber(v, f.digits)),
      ...ratio,
      targets.map((t) => formatTarget(t, report.columns, several)).join('; '),
      targets.map((t) => (metOn(f, t) ? 'PASS' : 'FAIL')).join('; '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [`== ${report.title} ==`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (report.figures.some((f) => f.target)) out.push(`(targets apply to the ${report.columns[0]} column unless named; a missed target does not fail the run)`);
  for (const note of report.notes) out.push(`- ${note}`);
  for (const problem of report.problems) out.push(`! PROBLEM: ${problem}`);
  return out.join('\n');
}

export function ratioOf(figure: Figure): number {
  const [first, second] = figure.values;
  return first === undefined || second === undefined || first === 0 ? NaN : second / first;
}

/** The JSON form of a report: figures keyed by name per column, ratios and target results. */
export function reportJson(report: ScenarioReport): Record<string, unknown> {
  const byColumn = Object.fromEntries(report.columns.map((column, i) => [column, Object.fromEntries(report.figures.map((f) => [f.name, round(f.values[i]!)]))]));
  return {
    scenario: report.scenario,
    title: report.title,
    figures: byColumn,
    ...(report.columns.length >= 2 ? { ratio: { of: `${report.columns[1]} / ${report.columns[0]}`, ...Object.fromEntries(report.figures.map((f) => [f.name, round(ratioOf(f))])) } } : {}),
    targets: Object.fromEntries(
      report.figures.flatMap((f) => targetsOf(f).map((t, i) => [i === 0 ? f.name : `${f.name}@${report.columns[t.column ?? 0]}`, { ...t, actual: round(f.values[t.column ?? 0]!), met: metOn(f, t) }])),
    ),
    notes: report.notes,
    problems: report.problems,
    details: report.details,
  };
}

function shortName(column: string): string {
  return column.split(' ')[0]!.toLowerCase();
}

function round(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value * 10_000) / 10_000 : null;
}

/** `kind n, kind n` in name order: counts by kind in a note. */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
