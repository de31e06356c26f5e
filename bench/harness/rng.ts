/**
 * Seeded pseudo-random numbers, so every tool gets the very same tree and the
 * very same churn (mulberry32: tiny, fast, good enough for picking paths).
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** Creates a generator; the same seed always gives the same sequence. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/**
 * File contents are slices of one random pool: generating fresh random bytes
 * for a million files would cost more than writing them, and rsync does not
 * care whether two files share bytes.
 */
export class ContentPool {
  private readonly pool: Buffer;

  constructor(rng: Rng, bytes = 1 << 16) {
    this.pool = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) this.pool[i] = rng.int(256);
  }

  /** A slice of `size` bytes (at most the pool size) at a random offset. */
  slice(rng: Rng, size: number): Buffer {
    const start = rng.int(this.pool.length - size + 1);
    return this.pool.subarray(start, start + size);
  }
}
