import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { InboundMail } from '../inbound-mail';
import { fromWire, type ParseResult, type ParseTask } from './parse-worker';

/**
 * Parsing received mail happens on worker threads: a message built to be expensive (deep nesting, huge
 * lines, thousands of parts) then costs a worker, never the event loop that answers the API and reads the
 * other mailboxes. Each parse has a deadline and each worker a heap limit; a message that runs past either
 * is reported as too complex (and becomes a dead letter), and the pool replaces the worker.
 */

export interface ParsePoolOptions {
  /** Worker threads; default: the machine's cores, at most 4. */
  threads?: number;
  /** Each worker's heap limit, in MB: a parse that needs more is stopped. */
  maxHeapMb: number;
}

/** A real message parses in milliseconds; the largest Exchange accepts (150 MB) in a few seconds. */
export const DEFAULT_PARSE_DEADLINE_MS = 15_000;
export const DEFAULT_PARSE_HEAP_MB = 512;

let shared: ParsePool | undefined;

/**
 * A default pool for code run outside the composition root (a sync or replay called directly), started on
 * first use. Workers do not keep the process alive, so nothing has to close it. The server's own pool is
 * built by server/wiring.ts from the configuration.
 */
export function sharedParsePool(): ParsePool {
  shared ??= new ParsePool({ maxHeapMb: DEFAULT_PARSE_HEAP_MB });
  return shared;
}

/** A parse failed for a reason in the message itself: `code` is the dead letter's reason. */
export class MessageParseFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MessageParseFailure';
  }
}

/** Called around the parse itself, once a worker is free for it: not while the task waits for one. */
export interface ParseHooks {
  starting?: () => Promise<void>;
  /** After the parse returned or failed (also when the worker was stopped). */
  ended?: () => Promise<void>;
}

export class ParsePool {
  private readonly pool: Piscina<ParseTask, ParseResult>;
  private readonly threads: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: ParsePoolOptions) {
    this.threads = Math.max(1, options.threads ?? Math.min(4, os.availableParallelism()));
    this.pool = new Piscina<ParseTask, ParseResult>({
      filename: workerFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
  }

  /**
   * The message as InboundMail, or a MessageParseFailure: `too_complex` past the deadline or the heap limit,
   * otherwise the parser's own code (`mime_unparseable`, `mime_required`, ...).
   */
  async parse(task: ParseTask, deadlineMs: number, hooks: ParseHooks = {}): Promise<InboundMail> {
    // Tasks wait here rather than in the pool's queue, so the deadline only counts a parse's own time.
    await this.slot();
    let result: ParseResult;
    try {
      await hooks.starting?.();
    } catch (error) {
      this.release();
      throw error;
    }
    const deadline = AbortSignal.timeout(deadlineMs);
    try {
      result = await this.pool.run(task, { signal: deadline });
    } catch (error) {
      if (deadline.aborted) throw new MessageParseFailure('too_complex', `Parsing took longer than ${deadlineMs} ms and was stopped`);
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_WORKER_OUT_OF_MEMORY') throw new MessageParseFailure('too_complex', `Parsing needed more than ${this.options.maxHeapMb} MB and was stopped`);
      // The worker died some other way while on this message: it is the message's failure, not the sync's.
      throw new MessageParseFailure('parse_failed', `The parse worker failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.release();
      await hooks.ended?.();
    }
    if (!result.ok) throw new MessageParseFailure(result.code, result.message);
    return fromWire(result.mail);
  }

  /** Starts every worker (loading the parser takes a moment), so that no deadline pays for it. */
  async warmUp(): Promise<void> {
    const empty: ParseTask = { kind: 'graph', message: { id: 'warm-up', internetMessageId: '<warm-up@relaydesk.invalid>' } };
    await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(empty)));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async slot(): Promise<void> {
    if (this.running < this.threads) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** The worker's entry: the compiled module next to this one, or the TypeScript source through tsx. */
function workerFile(): string {
  return __filename.endsWith('.ts') ? path.join(__dirname, 'parse-worker-dev.cjs') : path.join(__dirname, 'parse-worker.js');
}
