import { performance } from 'node:perf_hooks';
import { MAX_TEXT_CHARS } from '../../../server/inbound/inbound-mail';
import { MAX_HTML_INPUT_CHARS, TOO_DEEP_MARKER } from '../../../server/inbound/mail/mail-html';
import { MessageParseFailure, ParsePool } from '../../../server/inbound/mail/parse-pool';
import type { ParseTask } from '../../../server/inbound/mail/parse-worker';
import { hostileMime, nestedBlockquotesHtml, singleLineHtml, type HostileKind } from '../../support/hostile-mail';

// Issue 11: one hostile email used to take the server down (a heap out-of-memory while reading it). Every
// transform of received mail now runs in the parse pool, bounded in size, depth and time. These run the
// attacks through the pool as a sync does, and check that the event loop that serves the API and the other
// mailboxes stays idle while a worker chews on them. Idle, not "never delayed": on a shared machine the
// loop can be descheduled for a while whatever it runs, but its busy time only grows when the work is
// done on it, so that is what these measure.

const CUT = /more characters were cut\]$/;
let pool: ParsePool;

beforeAll(async () => {
  pool = new ParsePool({ threads: 2, maxHeapMb: 512 });
  await pool.warmUp();
}, 30_000);
afterAll(() => pool.close());

type Outcome = { mail: Awaited<ReturnType<ParsePool['parse']>>; code?: undefined } | { mail?: undefined; code: string };

/**
 * The main thread's own busy time is held to this, or to half the parse, whichever is more: handing the message
 * to a worker and taking the result back costs it some, a parse done on it would keep it busy all along.
 */
const MAIN_THREAD_BUDGET_MS = 250;

/** Parses, and measures how long the calling thread's event loop was busy meanwhile. */
async function parseWatched(task: ParseTask): Promise<{ outcome: Outcome; main: { busyMs: number; budgetMs: number } }> {
  const before = performance.eventLoopUtilization();
  const outcome = await pool.parse(task, 15_000).then(
    (mail): Outcome => ({ mail }),
    (error: unknown): Outcome => {
      if (error instanceof MessageParseFailure) return { code: error.code };
      throw error;
    },
  );
  const { active, idle } = performance.eventLoopUtilization(before);
  return { outcome, main: { busyMs: active, budgetMs: Math.max(MAIN_THREAD_BUDGET_MS, (active + idle) / 2) } };
}

const mime = (kind: HostileKind): ParseTask => ({ kind: 'mime', raw: hostileMime(kind, 'unit') });
const graphHtml = (html: string): ParseTask => ({ kind: 'graph', message: { id: 'g1', internetMessageId: '<g1@attacker.example>', subject: 'hostile', body: { contentType: 'html', content: html } } });

describe('hostile mail in the parse pool', () => {
  it('50,000 nested blockquotes (850 KB): text only, with the marker, and no HTML to render', async () => {
    for (const task of [mime('nested-blockquotes'), graphHtml(nestedBlockquotesHtml())]) {
      const { outcome, main } = await parseWatched(task);
      expect(outcome.code).toBeUndefined();
      expect(outcome.mail?.html).toBeNull();
      expect(outcome.mail?.text.endsWith(TOO_DEEP_MARKER.trim())).toBe(true);
      expect(outcome.mail?.text.split('\n').filter((l) => l === 'x')).toHaveLength(50_000);
      expect(main.busyMs).toBeLessThanOrEqual(main.budgetMs);
    }
  });

  it('a 10 MB single-line HTML body: cut at 1 MB of text with a visible marker', async () => {
    for (const task of [mime('single-line-html'), graphHtml(singleLineHtml())]) {
      const { outcome, main } = await parseWatched(task);
      const text = outcome.mail?.text ?? '';
      expect(text).toMatch(CUT);
      expect(text.length).toBeLessThanOrEqual(MAX_TEXT_CHARS + 200);
      expect(text.startsWith('word word')).toBe(true);
      expect(outcome.mail?.html?.length).toBeLessThanOrEqual(MAX_HTML_INPUT_CHARS + 200);
      expect(main.busyMs).toBeLessThanOrEqual(main.budgetMs);
    }
  });

  it('5,000 nested multiparts: refused by the part limit, a coded failure for a dead letter', async () => {
    const { outcome, main } = await parseWatched(mime('nested-multiparts'));
    expect(outcome.code).toBe('mime_unparseable');
    expect(main.busyMs).toBeLessThanOrEqual(main.budgetMs);
  });

  it('a 1 MB header: refused by the header-block limit, a coded failure for a dead letter', async () => {
    const { outcome, main } = await parseWatched(mime('megabyte-header'));
    expect(outcome.code).toBe('mime_unparseable');
    expect(main.busyMs).toBeLessThanOrEqual(main.budgetMs);
  });

  it('the same megabyte header listed by Graph: kept, cut to 64 KB', async () => {
    const task: ParseTask = {
      kind: 'graph',
      message: { id: 'g2', internetMessageId: '<g2@attacker.example>', subject: 's', body: { contentType: 'text', content: 'hi' }, internetMessageHeaders: [{ name: 'X-Padding', value: 'a'.repeat(1024 * 1024) }] },
    };
    const { outcome } = await parseWatched(task);
    expect(outcome.mail?.headers.get('x-padding')).toHaveLength(64 * 1024);
  });
});

describe('the parse pool stops what runs too long or too large', () => {
  it('a parse past its deadline is too_complex, and the pool goes on with a new worker', async () => {
    const small = new ParsePool({ threads: 1, maxHeapMb: 256 });
    try {
      await small.warmUp();
      await expect(small.parse(graphHtml(singleLineHtml()), 5)).rejects.toMatchObject({ code: 'too_complex' });
      await expect(small.parse(graphHtml('<p>after</p>'), 10_000)).resolves.toMatchObject({ text: 'after' });
    } finally {
      await small.close();
    }
  }, 30_000);

  it('a parse past the worker heap limit is too_complex, and the process lives on', async () => {
    const tight = new ParsePool({ threads: 1, maxHeapMb: 64 });
    try {
      await tight.warmUp();
      // 60 MB of quoted-printable text: its decoded string alone is near the limit, its copies past it.
      const body = Buffer.alloc(60 * 1024 * 1024, 'abcdefghij=\r\n');
      const raw = Buffer.concat([Buffer.from('From: a@example.com\r\nMessage-ID: <big@example.com>\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'), body]);
      await expect(tight.parse({ kind: 'mime', raw }, 60_000)).rejects.toMatchObject({ code: 'too_complex' });
      await expect(tight.parse(graphHtml('<p>after</p>'), 10_000)).resolves.toMatchObject({ text: 'after' });
    } finally {
      await tight.close();
    }
  }, 90_000);
});
