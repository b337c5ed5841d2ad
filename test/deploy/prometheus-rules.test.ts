import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createMetricsApp } from '../../server/http/routes/metrics';
import { WebhookCounters } from '../../server/inbound/push/webhook-counters';
import { mailboxHealth } from '../../server/mailboxes/mailbox-health';
import type { Store } from '../../server/store/store';
import { openTestStore } from '../support/database';

/**
 * deploy/prometheus-rules.yml against a real /metrics answer: an alert on a metric the server does not
 * export (a typo, a renamed gauge, a label it never carries) never fires, and nobody notices until the outage
 * it was meant to catch. The rules are read line by line (the file keeps each expr on one line), since no
 * YAML parser is among the dependencies.
 */

const RULES = path.resolve(__dirname, '../../deploy/prometheus-rules.yml');
const DAY = 86_400_000;
/** Metrics Prometheus makes itself, and labels it adds to every scraped series. */
const PROMETHEUS_OWN = new Set(['up']);
const SCRAPE_LABELS = new Set(['instance', 'job']);
/** PromQL words that look like metric names. */
const PROMQL_WORDS = new Set(['max', 'min', 'sum', 'by', 'on', 'and', 'or', 'unless', 'time', 'delta', 'rate', 'humanizeDuration']);

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  severity?: string;
  summary?: string;
  description?: string;
}

function readRules(text: string): { rules: Rule[]; problems: string[] } {
  const rules: Rule[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  if (!lines.some((l) => l === 'groups:')) problems.push('no top-level "groups:"');
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const indent = line.length - line.trimStart().length;
    if (indent % 2 !== 0 || /\t/.test(line)) problems.push(`line ${i + 1}: indentation must be spaces, two at a time`);
    const m = /^\s*(- )?([a-z_]+|[A-Za-z]+):(?: (.*))?$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1}: not "key: value": ${line}`);
      return;
    }
    const [, , key, value = ''] = m;
    if (key === 'alert') rules.push({ alert: value, expr: '' });
    const rule = rules.at(-1);
    if (!rule || key === 'alert') return;
    if (key === 'expr' || key === 'for' || key === 'severity' || key === 'summary' || key === 'description') rule[key] = value;
  });
  return { rules, problems };
}

/** Metric names in an expression (range selectors, label matchers and quoted text left out). */
function metricsOf(expr: string): string[] {
  const bare = expr.replace(/"[^"]*"/g, '""').replace(/\[[^\]]*\]/g, '').replace(/\{[^}]*\}/g, '').replace(/\((?:[a-z_, ]+)\)/g, (group, offset: number, all: string) => (/\b(by|on)\s*$/.test(all.slice(0, offset)) ? '' : group));
  return [...new Set(bare.match(/\b[a-zA-Z_][a-zA-Z0-9_]*\b/g) ?? [])].filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

/** `metric{label="value"}` matchers in an expression. */
function matchersOf(expr: string): { metric: string; label: string; value: string }[] {
  return [...expr.matchAll(/([a-z_][a-z0-9_]*)\{([^}]*)\}/g)].flatMap(([, metric, inner]) => [...inner!.matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, label, value]) => ({ metric: metric!, label: label!, value: value! })));
}

/** Labels of `by (...)` groupings applied to each metric (`max by (mailbox) (metric...)`). */
function groupingsOf(expr: string): { labels: string[]; metrics: string[] }[] {
  return [...expr.matchAll(/\bby \(([a-z_, ]+)\) \(([^)]*(?:\([^)]*\))?[^)]*)\)/g)].map(([, labels, inner]) => ({ labels: labels!.split(',').map((l) => l.trim()), metrics: metricsOf(inner!) }));
}

/** Sample lines of a Prometheus text answer: metric name -> the label sets it was reported with. */
function samples(text: string): Map<string, Record<string, string>[]> {
  const found = new Map<string, Record<string, string>[]>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!]));
    found.set(m[1]!, [...(found.get(m[1]!) ?? []), labels]);
  }
  return found;
}

let store: Store;
let cleanup: () => Promise<void>;
let metricsText: string;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  // Every state and figure the rules watch shows at least once.
  const active = await store.mailboxes.insert('support@contoso.test', null, 'active');
  await store.mailboxes.update(active.id, { grant_issued_at: new Date(Date.now() - 10 * DAY).toISOString(), push_state: 'on', oldest_unread_at: new Date(Date.now() - 60_000).toISOString() });
  await store.mailboxes.recordSyncSuccess(active.id, { ingested: 3, oldestUnreadAt: new Date(Date.now() - 60_000).toISOString() });
  const failing = await store.mailboxes.insert('billing@contoso.test', null, 'active');
  await store.mailboxes.recordSyncFailure(failing.id, { code: 'serviceUnavailable', failureClass: 'transient', message: 'Graph answered 503' });
  const lost = await store.mailboxes.insert('sales@contoso.test', null, 'active');
  await store.mailboxes.update(lost.id, { state: 'needs_reauth' });

  await store.deadLetters.insert({ mailboxId: active.id, graphMessageId: 'g-1', internetMessageId: '<a@example.com>', reasonCode: 'too_large', reason: 'too large', raw: null });
  const resolved = await store.deadLetters.insert({ mailboxId: active.id, graphMessageId: 'g-2', internetMessageId: '<b@example.com>', reasonCode: 'too_large', reason: 'too large', raw: null });
  await store.deadLetters.resolve(resolved.id, 'discarded');

  const requester = await store.users.ensureByEmail('customer@example.com', 'Customer');
  const ticket = await store.tickets.insert({ mailboxId: active.id, subject: 'Order', status: 'new', requesterId: requester.id, referenceTag: 'ABCDE' });
  const email = () => store.outbox.insert({ ticketId: ticket.id, mailboxId: active.id, commentId: null, kind: 'ticket_received', to: [requester.email], cc: [] });
  await email();
  await email();
  await store.outbox.markSent(await email());
  await store.outbox.markFailed(await email(), 'invalid_recipient: test');

  const counters = new WebhookCounters();
  counters.count('bad_client_state');
  const res = await request(createMetricsApp(() => mailboxHealth(store), () => counters.snapshot(), { kind: 'secret', expiresAt: new Date(Date.now() + 20 * DAY).toISOString() })).get('/metrics');
  expect(res.status).toBe(200);
  metricsText = res.text;
});
afterAll(() => cleanup?.());

describe('deploy/prometheus-rules.yml', () => {
  const { rules, problems } = readRules(fs.readFileSync(RULES, 'utf8'));

  it('is the simple YAML it claims to be: every alert named once, with an expr, a duration, a severity and a text', () => {
    expect(problems).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(10);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect({ alert: rule.alert, named: /^Relaydesk[A-Z][A-Za-z]+$/.test(rule.alert) }).toEqual({ alert: rule.alert, named: true });
      // A plain YAML scalar ends at " #" and breaks at ": ".
      expect({ alert: rule.alert, expr: rule.expr.length > 0 && !/ #|: /.test(rule.expr) }).toEqual({ alert: rule.alert, expr: true });
      expect({ alert: rule.alert, for: rule.for }).toEqual({ alert: rule.alert, for: expect.stringMatching(/^\d+[smh]$/) });
      expect({ alert: rule.alert, severity: rule.severity }).toEqual({ alert: rule.alert, severity: expect.stringMatching(/^(info|warning|critical)$/) });
      expect({ alert: rule.alert, summary: rule.summary, description: rule.description }).toEqual({ alert: rule.alert, summary: expect.stringMatching(/^".+"$/), description: expect.stringMatching(/^".+"$/) });
    }
  });

  it('watches what the issue names: mailbox lag, needs_reauth, dead letters, the relay backlog, push, credentials', () => {
    const watched = rules.flatMap((r) => metricsOf(r.expr));
    for (const metric of ['relaydesk_mailbox_lag_seconds', 'relaydesk_mailbox_state', 'relaydesk_mailbox_dead_letters', 'relaydesk_mailbox_outbox_oldest_waiting_seconds', 'relaydesk_mailbox_push_on', 'relaydesk_app_credential_expires_in_seconds', 'relaydesk_mailbox_refresh_token_expires_in_seconds']) {
      expect(watched).toContain(metric);
    }
    expect(rules.flatMap((r) => matchersOf(r.expr))).toContainEqual({ metric: 'relaydesk_mailbox_state', label: 'state', value: 'needs_reauth' });
  });

  it('names only metrics a real /metrics answer reports, with the labels and label values the rules expect', () => {
    const reported = samples(metricsText);
    const missing: string[] = [];
    for (const rule of rules) {
      for (const metric of metricsOf(rule.expr)) if (!PROMETHEUS_OWN.has(metric) && !reported.has(metric)) missing.push(`${rule.alert}: ${metric}`);
      for (const { metric, label, value } of matchersOf(rule.expr)) {
        if (PROMETHEUS_OWN.has(metric) || SCRAPE_LABELS.has(label)) continue;
        if (!(reported.get(metric) ?? []).some((labels) => labels[label] === value)) missing.push(`${rule.alert}: ${metric}{${label}="${value}"}`);
      }
      for (const { labels, metrics } of groupingsOf(rule.expr)) {
        for (const metric of metrics.filter((m) => !PROMETHEUS_OWN.has(m))) {
          for (const label of labels.filter((l) => !SCRAPE_LABELS.has(l))) {
            if (!(reported.get(metric) ?? []).some((sample) => label in sample)) missing.push(`${rule.alert}: ${metric} by ${label}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('fails on a metric the server does not export (the check itself can fail)', () => {
    const reported = samples(metricsText);
    expect(metricsOf('max by (mailbox) (relaydesk_mailbox_lag_second) > 900').filter((m) => !reported.has(m))).toEqual(['relaydesk_mailbox_lag_second']);
    expect(matchersOf('relaydesk_mailbox_state{state="needs_reauthorization"} == 1').filter(({ metric, label, value }) => !(reported.get(metric) ?? []).some((l) => l[label] === value))).toHaveLength(1);
  });
});

describe('the figures the rules watch', () => {
  const value = (metric: string, mailbox: string) => samples(metricsText).get(metric)?.find((l) => l['mailbox'] === mailbox);
  const number = (metric: string, mailbox: string) => {
    const line = metricsText.split('\n').find((l) => l.startsWith(`${metric}{mailbox="${mailbox}"} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  it('counts open dead letters per mailbox (a discarded one no longer counts)', () => {
    expect(number('relaydesk_mailbox_dead_letters', 'support@contoso.test')).toBe(1);
    expect(number('relaydesk_mailbox_dead_letters', 'billing@contoso.test')).toBe(0);
  });

  it('reports the relay backlog per mailbox: waiting emails, the oldest one’s age, and those given up on', () => {
    expect(number('relaydesk_mailbox_outbox_waiting', 'support@contoso.test')).toBe(2);
    expect(number('relaydesk_mailbox_outbox_failed', 'support@contoso.test')).toBe(1);
    const age = number('relaydesk_mailbox_outbox_oldest_waiting_seconds', 'support@contoso.test')!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    expect(number('relaydesk_mailbox_outbox_waiting', 'billing@contoso.test')).toBe(0);
    expect(number('relaydesk_mailbox_outbox_oldest_waiting_seconds', 'billing@contoso.test')).toBe(0);
  });

  it('says whether push is on per mailbox', () => {
    expect(number('relaydesk_mailbox_push_on', 'support@contoso.test')).toBe(1);
    expect(number('relaydesk_mailbox_push_on', 'billing@contoso.test')).toBe(0);
    expect(value('relaydesk_mailbox_degraded', 'billing@contoso.test')).toEqual({ mailbox: 'billing@contoso.test', failure_class: 'transient' });
  });
});
