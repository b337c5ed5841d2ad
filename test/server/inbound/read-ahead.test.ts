import { readAhead } from '../../../server/inbound/read-ahead';

/** A read whose completion the test controls, recording how many reads run at once. */
function controlledReads() {
  const pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  let running = 0;
  const stats = { started: [] as number[], maxRunning: 0 };
  const read = (n: number) =>
    new Promise<string>((resolve, reject) => {
      stats.started.push(n);
      running++;
      stats.maxRunning = Math.max(stats.maxRunning, running);
      pending.set(n, {
        resolve: (v) => {
          running--;
          resolve(v);
        },
        reject: (e) => {
          running--;
          reject(e);
        },
      });
    });
  const finish = async (n: number, error?: Error) => {
    const p = pending.get(n);
    if (!p) throw new Error(`read ${n} was not started`);
    pending.delete(n);
    if (error) p.reject(error);
    else p.resolve(`read ${n}`);
    await new Promise((r) => setImmediate(r));
  };
  return { read, finish, stats };
}

async function collect<T>(source: AsyncGenerator<T>, into: T[]): Promise<void> {
  for await (const value of source) into.push(value);
}

describe('readAhead', () => {
  it('keeps at most `ahead` reads running and yields results in the order of the items, not of completion', async () => {
    const { read, finish, stats } = controlledReads();
    const got: string[] = [];
    const done = collect(readAhead([1, 2, 3, 4, 5, 6], 3, read), got);
    await new Promise((r) => setImmediate(r));
    expect(stats.started).toEqual([1, 2, 3]);
    await finish(3);
    await finish(2);
    expect(got).toEqual([]);
    await finish(1);
    expect(got).toEqual(['read 1', 'read 2', 'read 3']);
    expect(stats.started).toEqual([1, 2, 3, 4, 5, 6]);
    for (const n of [6, 5, 4]) await finish(n);
    await done;
    expect(got).toEqual([1, 2, 3, 4, 5, 6].map((n) => `read ${n}`));
    expect(stats.maxRunning).toBe(3);
  });

  it('throws a failed read in its turn, after every earlier result, and starts nothing more', async () => {
    const { read, finish, stats } = controlledReads();
    const got: string[] = [];
    const done = collect(readAhead([1, 2, 3, 4, 5], 2, read), got);
    await new Promise((r) => setImmediate(r));
    await finish(2, new Error('throttled'));
    await finish(1);
    await expect(done).rejects.toThrow('throttled');
    expect(got).toEqual(['read 1']);
    // Read 3 had started when read 1 finished; nothing after the failure did.
    expect(stats.started).toEqual([1, 2, 3]);
    await finish(3, new Error('dropped, never thrown'));
  });

  it('starts no read once mayStart says no, and still yields those already running', async () => {
    const { read, finish, stats } = controlledReads();
    let allowed = true;
    const got: string[] = [];
    const done = collect(readAhead([1, 2, 3, 4], 2, read, () => allowed), got);
    await new Promise((r) => setImmediate(r));
    allowed = false;
    await finish(1);
    await finish(2);
    await done;
    expect(stats.started).toEqual([1, 2]);
    expect(got).toEqual(['read 1', 'read 2']);
  });
});
