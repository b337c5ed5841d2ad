/** Seeded randomness for crash tests, so a failing run's kill points can be replayed from its printed seed. */

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` random delays in [min, max), one in each of `count` equal slices of the range, in random order: early,
 * middle and late kill points all occur, however the dice fall.
 */
export function stratifiedDelays(random: () => number, count: number, min: number, max: number): number[] {
  const slice = (max - min) / count;
  const delays = Array.from({ length: count }, (_, i) => Math.floor(min + slice * (i + random())));
  for (let i = delays.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [delays[i], delays[j]] = [delays[j]!, delays[i]!];
  }
  return delays;
}
