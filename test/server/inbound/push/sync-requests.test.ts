import { SyncRequestCoalescer } from '../../../../server/inbound/push/sync-requests';

describe('SyncRequestCoalescer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function harness(debounceMs: number) {
    const recorded: number[] = [];
    const poked: number[] = [];
    const c = new SyncRequestCoalescer(debounceMs, { record: async (id) => void recorded.push(id), poke: (id) => void poked.push(id) });
    return { c, recorded, poked };
  }

  it('turns a burst of 500 notifications for one mailbox into one recorded request and one sync', async () => {
    const { c, recorded, poked } = harness(500);
    await Promise.all(Array.from({ length: 500 }, () => c.request(7)));
    // Recorded at once (durable before the webhook answers), synced when the window closes.
    expect(recorded).toEqual([7]);
    expect(poked).toEqual([]);
    expect(c.waiting()).toEqual([7]);
    jest.advanceTimersByTime(500);
    expect(poked).toEqual([7]);
    expect(c.waiting()).toEqual([]);
  });

  it('keeps mailboxes apart: each gets its own request', () => {
    const { c, poked } = harness(100);
    void c.request(1);
    void c.request(2);
    void c.request(1);
    jest.advanceTimersByTime(100);
    expect(poked.sort()).toEqual([1, 2]);
  });

  it('counts the window from the first notification, so a steady stream cannot starve the sync', () => {
    // A trailing debounce would restart on every notification: at one every 100 ms it would never fire.
    const { c, poked } = harness(500);
    for (let t = 0; t < 2_000; t += 100) {
      void c.request(3);
      jest.advanceTimersByTime(100);
    }
    expect(poked).toEqual([3, 3, 3, 3]);
  });

  it('lets every notification of a window wait on the one write, and passes its failure on (the webhook then answers 5xx)', async () => {
    const c = new SyncRequestCoalescer(50, { record: () => Promise.reject(new Error('database down')), poke: () => undefined });
    await expect(c.request(4)).rejects.toThrow('database down');
    await expect(c.request(4)).rejects.toThrow('database down');
  });

  it('opens a new window for a notification after the last one closed', () => {
    const { c, recorded, poked } = harness(50);
    void c.request(4);
    jest.advanceTimersByTime(50);
    void c.request(4);
    jest.advanceTimersByTime(50);
    expect(recorded).toEqual([4, 4]);
    expect(poked).toEqual([4, 4]);
  });

  it('pokes no more after close, but still records (the next claim, here or elsewhere, sees the flag)', async () => {
    const { c, recorded, poked } = harness(10_000);
    void c.request(5);
    await c.close();
    await c.request(6);
    jest.advanceTimersByTime(10_000);
    expect(recorded).toEqual([5, 6]);
    expect(poked).toEqual([]);
  });
});
