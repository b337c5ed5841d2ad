import type { CheckResult } from '../../../server/doctor/check-result';
import { clockVerdict } from '../../../server/doctor/clock-check';
import { clockOffsetMs } from '../../../server/doctor/probe';
import { formatTable, wrap } from '../../../server/doctor/table';

// Date headers as HTTP servers write them (whole seconds, RFC 7231), against the local clock of the moment.
describe('the clock check', () => {
  const now = Date.parse('2026-12-05T10:00:00.000Z');
  const sample = (serverTime: number) => ({ source: 'graph.microsoft.com', offsetMs: clockOffsetMs({ headers: { date: new Date(serverTime).toUTCString() }, receivedAt: now })! });

  it('is ok within a minute, warns past it, fails past five (Entra refuses client assertions then)', () => {
    expect(clockVerdict([sample(now - 2_000)]).status).toBe('ok');
    expect([clockVerdict([sample(now - 90_000)]).status, clockVerdict([sample(now - 90_000)]).code]).toEqual(['warn', 'clock_skew']);
    expect(clockVerdict([sample(now + 90_000)]).status).toBe('warn');
    expect([clockVerdict([sample(now - 10 * 60_000)]).status, clockVerdict([sample(now - 10 * 60_000)]).code]).toEqual(['fail', 'clock_skew']);
  });

  it('judges by the worst of several answers, and warns when no answer had a Date header', () => {
    expect(clockVerdict([sample(now - 1_000), sample(now - 400_000)]).status).toBe('fail');
    expect(clockOffsetMs({ headers: {}, receivedAt: now })).toBeUndefined();
    expect(clockVerdict([]).code).toBe('no_date');
  });
});

describe('the table', () => {
  it('wraps at spaces and never cuts a URL or a variable name', () => {
    const url = 'https://helpdesk.example.com/a/rather/long/path/oauth/callback';
    const lines = wrap(`unset OAUTH_REDIRECT_URI or register ${url} on the app`, 20);
    expect(lines).toContain(url);
    expect(lines.join(' ')).toBe(`unset OAUTH_REDIRECT_URI or register ${url} on the app`);
    expect(lines.filter((l) => l !== url).every((l) => l.length <= 20)).toBe(true);
  });

  it('prints each row with its status and fix, and the counts', () => {
    const rows: CheckResult[] = [
      { check: 'configuration', status: 'ok', detail: 'valid', fix: null },
      { check: 'redirect URI', status: 'fail', code: 'redirect_uri_mismatch', detail: 'refused', fix: 'Set OAUTH_REDIRECT_URI to a registered one.', variable: 'OAUTH_REDIRECT_URI' },
    ];
    const table = formatTable(rows);
    expect(table.split('\n').find((l) => l.startsWith('redirect URI'))).toMatch(/FAIL\s+refused\s+Set OAUTH_REDIRECT_URI to a registered one\./);
    expect(table).toContain('1 ok, 0 warning(s), 1 failed');
    // Each fix once more on a line of its own, unwrapped, so a log can be searched for it.
    expect(table.split('\n')).toContain('FAIL redirect URI: Set OAUTH_REDIRECT_URI to a registered one.');
    expect(formatTable(rows.slice(0, 1))).not.toContain('To do:');
  });
});
