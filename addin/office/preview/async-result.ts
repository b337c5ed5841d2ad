/**
 * Office's `*Async(…, options?, callback?)` convention as the preview host implements it: the callback gets an
 * AsyncResult later (Office never calls back synchronously), and failures carry Office's numeric error codes.
 */

export interface AsyncResult<T> {
  status: 'succeeded' | 'failed';
  value?: T;
  error?: { code: number; name: string; message: string };
  asyncContext?: unknown;
}

export type AsyncCallback<T> = (result: AsyncResult<T>) => void;

/** Office's `(options?, callback?)` tail: the callback may come first. */
export function tail<T>(options: unknown, callback: unknown): { context: unknown; callback: AsyncCallback<T> | undefined } {
  if (typeof options === 'function') return { context: undefined, callback: options as AsyncCallback<T> };
  const context = options && typeof options === 'object' ? (options as { asyncContext?: unknown }).asyncContext : undefined;
  return { context, callback: typeof callback === 'function' ? (callback as AsyncCallback<T>) : undefined };
}

export function succeed<T>(callback: AsyncCallback<T> | undefined, value: T, asyncContext?: unknown): void {
  if (callback) setTimeout(() => callback({ status: 'succeeded', value, asyncContext }), 0);
}

export function fail(callback: AsyncCallback<never> | AsyncCallback<unknown> | undefined, code: number, message: string, asyncContext?: unknown): void {
  if (callback) setTimeout(() => (callback as AsyncCallback<unknown>)({ status: 'failed', error: { code, name: 'Error', message }, asyncContext }), 0);
}
