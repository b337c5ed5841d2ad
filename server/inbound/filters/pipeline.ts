import type { Filter, FilterContext, FilterEnvironment } from './context';
import { FILTERS } from './';

export interface PipelineResult {
  /** Names of the filters that ran, in order. */
  ran: string[];
  /** The filter that suppressed the message or found it to be a bounce; null when all ran. */
  stoppedBy: string | null;
}

/** A filter threw (usually the database behind the environment); `filter` says which. */
export class FilterFailedError extends Error {
  readonly code = 'filter_failed';
  constructor(
    readonly filter: string,
    cause: unknown,
  ) {
    super(`Filter ${filter} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'FilterFailedError';
  }
}

/**
 * Runs the filters in order on one message. It stops after the first filter that sets ctx.suppressed or
 * ctx.bounce: such a message makes no ticket or comment, so nothing later has anything to decide.
 */
export async function runFilters(ctx: FilterContext, env: FilterEnvironment, filters: readonly Filter[] = FILTERS): Promise<PipelineResult> {
  const ran: string[] = [];
  for (const filter of filters) {
    ran.push(filter.name);
    try {
      await filter.run(ctx, env);
    } catch (error) {
      throw new FilterFailedError(filter.name, error);
    }
    if (ctx.suppressed || ctx.bounce) return { ran, stoppedBy: filter.name };
  }
  return { ran, stoppedBy: null };
}
