import fs from 'node:fs';
import path from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { newFilterContext, type Filter } from '../../../server/inbound/filters/context';
import { FILTERS } from '../../../server/inbound/filters';
import { autoResponseSignal } from '../../../server/inbound/filters/auto-response';
import { isOurMessageId } from '../../../server/tickets/our-mail-marks';
import { MailHeaders, type InboundMail } from '../../../server/inbound/inbound-mail';
import { htmlToText } from '../../../server/inbound/mail/mail-html';
import { headersFromEntries } from '../../../server/inbound/mail/header-decoding';
import { normalizeAddress, parseDateHeader } from '../../../server/inbound/mail/mail-fields';
import { inboundMailFromMime } from '../../../server/inbound/mail/mime-to-inbound';
import { messageIdsIn } from '../../../server/tickets/message-id';
import { extractReplyText } from '../../../server/inbound/mail/reply-text';
import { renderEmail } from '../../../server/outbound/templates';
import { findReference, parseReference } from '../../../server/tickets/reference';
import { seedStore, type Seeded } from './support';

/**
 * Inbound mail is hostile, and a regular expression that backtracks turns one crafted line into seconds of a
 * blocked event loop for every mailbox on the instance. Two guards: every regex in the code that reads inbound
 * text must be proven linear by recheck (collected from the source, so a new one is checked without anyone
 * remembering to list it), and every public function that applies them must stay fast on 100 KB built to
 * attack them.
 */

const ROOT = path.join(__dirname, '../../..');
/** The folders whose code reads text a sender controls (outbound: the templates echo subjects and names). */
const SCANNED = ['server/inbound', 'server/tickets', 'server/outbound'];

interface FoundRegex {
  where: string;
  source: string;
  flags: string;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

function isRegExpConstructor(node: ts.Node): node is ts.NewExpression | ts.CallExpression {
  return (ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp';
}

function literalText(node: ts.Node | undefined): string | null {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;
}

/** Regex literals and `new RegExp('literal')`; a RegExp built from a variable cannot be checked, so it is reported. */
function regexesIn(file: string): { found: FoundRegex[]; unchecked: string[] } {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: FoundRegex[] = [];
  const unchecked: string[] = [];
  const where = (node: ts.Node) => `${path.relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText(source);
      const end = text.lastIndexOf('/');
      found.push({ where: where(node), source: text.slice(1, end), flags: text.slice(end + 1) });
    } else if (isRegExpConstructor(node)) {
      const [pattern, flags] = node.arguments ?? [];
      const patternText = literalText(pattern);
      const flagsText = flags === undefined ? '' : literalText(flags);
      if (patternText === null || flagsText === null) unchecked.push(where(node));
      else found.push({ where: where(node), source: patternText, flags: flagsText });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { found, unchecked };
}

const scanned = SCANNED.flatMap((dir) => tsFiles(path.join(ROOT, dir))).map(regexesIn);
const REGEXES = scanned.flatMap((s) => s.found);
const UNCHECKED = scanned.flatMap((s) => s.unchecked);

describe('every regex that reads inbound text', () => {
  it('is found by the scan (a broken scan must not pass for a clean one)', () => {
    expect(REGEXES.length).toBeGreaterThan(30);
    expect(REGEXES.map((r) => r.where)).toEqual(expect.arrayContaining([expect.stringMatching(/^server\/tickets\/reference\.ts:/)]));
  });

  it('has a literal pattern recheck can analyse', () => {
    expect(UNCHECKED).toEqual([]);
  });

  it(
    'is linear according to recheck',
    () => {
      const started = Date.now();
      const unsafe: string[] = [];
      for (const regex of REGEXES) {
        const result = checkSync(regex.source, regex.flags, { timeout: 20_000 });
        if (result.status !== 'safe') unsafe.push(`${regex.where} /${regex.source}/${regex.flags}: ${result.status}${result.status === 'vulnerable' ? ` (${result.complexity.type})` : ''}`);
      }
      expect(unsafe).toEqual([]);
      // The whole check takes a few seconds with recheck's native backend (most of it the first call).
      expect(Date.now() - started).toBeLessThan(240_000);
    },
    300_000,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Timing on hostile input

const SIZE = 100 * 1024;
const BUDGET_MS = 50;

/** Runs of the characters the patterns repeat, and near-misses of what they look for. */
const SEEDS = [
  ' ', '\t', '\n', '\r\n', 'a', '-', '_', '.', '<', '>', '> ', '\n> ', '> > >\n', '(', '()', '((', ')', '@', 'a@', 'a@a@', '<a@', '<<>>', '<a',
  '</a', '=?', '=?=?', '=?a?b?', '=?utf-8?q?', ';', 'a=', 'dmarc=', 'compauth=fail ', 'On ', 'On On On ', 'On x wrote ', 'On x\n', 'wrote ', ' wrote: x',
  'From: ', 'From: a\n', 'Sent: ', '-----', '-- Original Message ', '[RD:', '[RD:1-', '[RD:1-AAAA', 'message-id: ', '\nmessage-id:', 'Mon, ',
  '<p>', '<blockquote>', '<a href="', '&lt;', 'http://', 'www.', 'a.b ', 'Re: ', '\u00a0', 'ü', '😀',
];

/** A seed repeated to `size` characters, ending with a character that makes every match fail there when `miss`. */
interface Attack {
  label: string;
  text(size: number): string;
}

/** Each seed repeated to 100 KB, and once more with a character that makes every match fail at the very end. */
const ATTACKS: readonly Attack[] = SEEDS.flatMap((seed) => {
  const run = (size: number) => seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
  return [
    { label: JSON.stringify(seed), text: run },
    { label: `${JSON.stringify(seed)} + miss`, text: (size: number) => `${run(size)}\u0001` },
  ];
});

/**
 * Over its budget, a call is judged by how it scales: 4x the input at most LINEAR_RATIO x the CPU time is a
 * linear function on a slow moment of a shared machine; backtracking grows at least with the square (16x).
 */
const LINEAR_RATIO = 8;

/** A first run this far over the budget skips the other two of its round, so a hopeless call is judged sooner. */
const HOPELESS_MS = 20 * BUDGET_MS;

/**
 * CPU time this process spent since `start` (a process.cpuUsage() reading), in ms. CPU time, not wall time:
 * on a shared machine other processes (the browser suites, another jest worker) stretch the wall clock of a
 * linear function past any budget, while backtracking burns this process's own CPU, which is what is judged.
 */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * The best of 3 runs, in CPU ms: a busy machine (or a collection of the garbage the previous attack left) can
 * only make a run slower. With `untilHopeless`, a first run past HOPELESS_MS ends it early.
 */
async function bestOf3Async(fn: () => Promise<unknown>, untilHopeless = true): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3 && (i === 0 || !untilHopeless || best < HOPELESS_MS); i++) {
    const start = process.cpuUsage();
    await fn();
    best = Math.min(best, cpuMsSince(start));
  }
  return best;
}

/**
 * `name (seed): ms` for every attack over the budget on 100 KB that does not scale linearly (a quarter of the
 * input measured too); the seed is shown escaped and short.
 */
async function slowCalls(name: string, fn: (input: string) => unknown, budgetMs = BUDGET_MS, attacks = ATTACKS): Promise<string[]> {
  const slow: string[] = [];
  for (const attack of attacks) {
    const first = await bestOf3Async(async () => fn(attack.text(SIZE)));
    if (first < budgetMs) continue;
    // Both sizes measured alike (three runs each), so one slow run cannot make a linear call look quadratic.
    const ms = Math.min(first, await bestOf3Async(async () => fn(attack.text(SIZE)), false));
    const quarter = await bestOf3Async(async () => fn(attack.text(SIZE / 4)), false);
    const ratio = ms / Math.max(quarter, 0.5);
    if (ratio >= LINEAR_RATIO) slow.push(`${name} (${attack.label}): ${ms.toFixed(1)} ms, ${ratio.toFixed(1)}x a quarter of the input`);
  }
  return slow;
}

function hostileMail(input: string, from: string): InboundMail {
  const headerNames = ['Authentication-Results', 'Auto-Submitted', 'Precedence', 'X-Auto-Response-Suppress', 'List-Id', 'X-Relaydesk-Email-Id', 'X-Relaydesk-From-Account-Id', 'Date'];
  return {
    internetMessageId: `<${input.slice(0, 200).replace(/[\s<>]/g, 'x')}@example.test>`,
    subject: input,
    from: { address: from, name: input },
    sender: null,
    replyTo: [],
    to: [],
    cc: [],
    date: null,
    headers: new MailHeaders(headerNames.map((name) => [name, input] as const)),
    inReplyTo: [],
    references: [],
    text: input,
    html: null,
    attachments: [],
    deliveryReport: null,
    contentType: 'text/plain',
  };
}

describe('the timing judge', () => {
  // Budget 0: every call is over it, so each is judged by how it scales alone.
  const two = ATTACKS.slice(0, 2);

  it('passes work that grows linearly with the input, however slow the machine', async () => {
    const linear = (s: string) => {
      let h = 0;
      for (let round = 0; round < 20; round++) for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
      return h;
    };
    expect(await slowCalls('linear', linear, 0, two)).toEqual([]);
  });

  it('catches work that grows with the square of the input', async () => {
    // Scans to the end from every other character: what a backtracking regex does on a near miss. Enough work
    // that the quarter input stays well above the judge's 0.5 ms floor, so the ratio shows the square.
    const quadratic = (s: string) => {
      let n = 0;
      for (let i = 0; i < s.length; i += 2) n += s.indexOf('\u0002', i);
      return n;
    };
    expect(await slowCalls('quadratic', quadratic, 0, two)).toEqual([expect.stringMatching(/^quadratic \(" "\): .* a quarter of the input$/), expect.stringMatching(/^quadratic \(" " \+ miss\)/)]);
  });
});

describe('functions that apply those regexes to inbound text stay under 50 ms on 100 KB built to attack them', () => {
  it.each<[string, (input: string) => unknown]>([
    ['extractReplyText', (s) => extractReplyText(s)],
    ['findReference', (s) => findReference(s)],
    ['parseReference', (s) => parseReference(s)],
    ['parseDateHeader', (s) => parseDateHeader(s)],
    ['messageIdsIn', (s) => messageIdsIn(s)],
    ['normalizeAddress', (s) => normalizeAddress(s, s)],
    ['headersFromEntries (encoded words)', (s) => headersFromEntries([['Subject', s], ['From', s]])],
    ['isOurMessageId', (s) => isOurMessageId(s, 'relaydesk.acme.test')],
    ['autoResponseSignal', (s) => autoResponseSignal(hostileMail(s, `${s.slice(0, 64)}@example.test`))],
    ['renderEmail (acknowledgement)', (s) => renderEmail({ kind: 'ticket_received', ticketSubject: s, referenceToken: '[RD:1-K4QX9]', requesterName: s, requesterAddress: `${s.slice(0, 64)}@example.test`, authorName: null, commentText: null })],
  ])('%s', async (name, fn) => {
    expect(await slowCalls(name, fn)).toEqual([]);
  }, 120_000);

  it('htmlToText', async () => {
    // Its regex is checked above; most of its time is sanitize-html's parser, which is linear but does
    // real work per tag (100 KB of `<p>` is 34,000 paragraphs): three budgets for it, as for inboundMailFromMime.
    expect(await slowCalls('htmlToText', (s) => htmlToText(s), 3 * BUDGET_MS)).toEqual([]);
  }, 120_000);

  it('inboundMailFromMime on a delivery report whose status fields are hostile (bounce field parsing)', async () => {
    const report = (input: string) => {
      const field = input.replace(/\r?\n/g, '\n ');
      return Buffer.from(
        'From: MAILER-DAEMON@mx.example\nTo: support@acme.test\nSubject: Undelivered\nMessage-ID: <dsn@mx.example>\n' +
          'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n' +
          '--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n' +
          `Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; ${field}\nAction: failed\nStatus: ${field}\nDiagnostic-Code: smtp; ${field}\n` +
          `--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: ${field}\n--b--\n`,
      );
    };
    // mailparser's own work is most of the figure: 300 KB in three fields, which the "\n" seed makes
    // 200,000 folded lines, each handled on its own (about 1 µs a line): ten budgets for it.
    expect(await slowCalls('inboundMailFromMime report', (input) => inboundMailFromMime(report(input)), 10 * BUDGET_MS)).toEqual([]);
  }, 240_000);
});

describe('every filter stays under 50 ms on a message whose every field is 100 KB built to attack it', () => {
  let seeded: Seeded;
  beforeAll(async () => {
    seeded = await seedStore();
  });
  afterAll(() => seeded.cleanup());

  it.each(FILTERS.map((f) => [f.name, f] as [string, Filter]))('%s', async (name, filter) => {
    const env = await seeded.env();
    const slow: string[] = [];
    // mailer-daemon: the bounce filter scans the body of plain notices from it.
    for (const from of ['mailer-daemon@mx.example', 'bob.meyer@customer.example']) {
      const run = async (input: string) => {
        const ctx = newFilterContext(hostileMail(input, from), { id: seeded.support.id, address: seeded.support.address });
        ctx.thread = { ticketId: seeded.ticket1, matchedBy: 'in_reply_to' }; // reply-text only cuts replies
        await filter.run(ctx, env);
      };
      slow.push(...(await slowCalls(`${name} from ${from}`, run)));
    }
    expect(slow).toEqual([]);
  }, 240_000);
});
