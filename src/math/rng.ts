// Seeded PRNG (mulberry32) and small sampling helpers, so generators and fuzz tests are reproducible.

export interface Rng {
  next(): number; // [0, 1)
  int(n: number): number; // [0, n)
  normal(): number;
  pick<T>(arr: readonly T[]): T;
  /** the generator's internal state (a u32): save it in a checkpoint, restore it with setState to continue the stream */
  state(): number;
  setState(s: number): void;
}

export function createRng(seed: number): Rng {
  let a = (seed >>> 0) || 0x9e3779b9;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = Math.max(1e-12, next());
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    state: () => a,
    setState: (s) => {
      a = s >>> 0;
    },
  };
}
