/**
 * Runs `read` over `items` with up to `ahead` calls at once and yields the results in the items' order, so
 * that downloads overlap while the caller still records messages oldest first. It stops starting calls once
 * `mayStart` says no. A failed call is thrown when its turn comes, after every earlier result; later calls
 * still in flight are left to finish, their results and errors dropped.
 */
export async function* readAhead<T, R>(items: readonly T[], ahead: number, read: (item: T) => Promise<R>, mayStart: () => boolean = () => true): AsyncGenerator<R> {
  type Settled = { ok: true; value: R } | { ok: false; error: unknown };
  const inFlight: Promise<Settled>[] = [];
  let next = 0;
  const fill = () => {
    while (inFlight.length < ahead && next < items.length && mayStart()) {
      const item = items[next++]!;
      inFlight.push(
        read(item).then(
          (value): Settled => ({ ok: true, value }),
          (error: unknown): Settled => ({ ok: false, error }),
        ),
      );
    }
  };
  fill();
  while (inFlight.length > 0) {
    const settled = await inFlight.shift()!;
    if (!settled.ok) throw settled.error;
    fill();
    yield settled.value;
  }
}
