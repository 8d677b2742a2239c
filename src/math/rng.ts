// The one seeded PRNG of the project (mulberry32): initialisation, sampling, splits, generators and fuzz tests.
// Callable (`r()` = next in [0, 1), as the engine's initialisers use it) with helpers (`r.int(n)`, `r.normal()`,
// `r.pick(arr)`), and its state can be saved in a checkpoint and restored to continue the same stream.

export interface Rng {
  (): number; // [0, 1)
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
  return Object.assign(() => next(), {
    next,
    int: (n: number) => Math.floor(next() * n),
    normal: () => {
      const u = Math.max(1e-12, next());
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    pick: <T,>(arr: readonly T[]) => arr[Math.floor(next() * arr.length)],
    state: () => a,
    setState: (s: number) => {
      a = s >>> 0;
    },
  });
}
