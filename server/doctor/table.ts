import type { CheckResult } from './check-result';

/** Column widths: the table stays readable in a wide terminal and in a CI log. The check column fits its longest name, within bounds. */
const WIDTHS = { status: 6, detail: 60, fix: 60 } as const;
const CHECK_WIDTH = { min: 16, max: 48 } as const;
const STATUS_WORD = { ok: 'ok', warn: 'WARN', fail: 'FAIL' } as const;

/**
 * The doctor's table, plain text: check, status, detail, fix, long cells wrapped at spaces (a URL or a
 * variable name is never cut). Then the counts, and each fix unwrapped on a line of its own.
 */
export function formatTable(results: readonly CheckResult[]): string {
  const checkWidth = Math.min(CHECK_WIDTH.max, Math.max(CHECK_WIDTH.min, ...results.map((r) => r.check.length)));
  const widths = [checkWidth, WIDTHS.status, WIDTHS.detail, WIDTHS.fix];
  const header = row(['CHECK', 'STATUS', 'DETAIL', 'FIX'], widths);
  const rule = row(widths.map((w) => '-'.repeat(w)) as [string, string, string, string], widths);
  const body = results.map((r) => row([r.check, STATUS_WORD[r.status], r.detail, r.fix ?? ''], widths));
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  const summary = `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failed`;
  // The fixes again, one line each: a command in a wrapped cell cannot be copied, nor a log searched for it.
  const todo = results.filter((r) => r.status !== 'ok').map((r) => `${STATUS_WORD[r.status]} ${r.check}: ${r.fix ?? ''}`);
  return [header, rule, ...body, '', summary, ...(todo.length > 0 ? ['', 'To do:', ...todo] : []), ''].join('\n');
}

function row(cells: [string, string, string, string], widths: readonly number[]): string {
  const wrapped = cells.map((cell, i) => wrap(cell, widths[i]!));
  const height = Math.max(...wrapped.map((lines) => lines.length));
  const lines: string[] = [];
  for (let n = 0; n < height; n++) {
    lines.push(
      wrapped
        .map((cellLines, i) => (cellLines[n] ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  }
  return lines.join('\n');
}

/** Words into lines of at most `width`; a longer word gets a line of its own, whole. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [''];
}
