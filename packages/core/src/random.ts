/**
 * A small, fast, seedable PRNG (sfc32 seeded through splitmix32), so that every random
 * choice in a run (shuffles, pair draws, sub-sampling) is reproducible from the run's seed.
 */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(values: T): T;
  /** An independent generator derived from this one (for a sub-task). */
  fork(salt: number): Random;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  const init = splitmix32(Math.floor(seed) ^ 0x5eed);
  let a = init(),
    b = init(),
    c = init(),
    d = init();
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextUint32();
  const random: Random = {
    next: () => nextUint32() / 4294967296,
    int: (n) => Math.floor((nextUint32() / 4294967296) * n),
    shuffle(values) {
      for (let i = values.length - 1; i > 0; i--) {
        const j = Math.floor((nextUint32() / 4294967296) * (i + 1));
        const tmp = values[i];
        values[i] = values[j];
        values[j] = tmp;
      }
      return values;
    },
    fork: (salt) => createRandom((nextUint32() ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0),
  };
  return random;
}
