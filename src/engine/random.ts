// Seeded randomness for initialisation, sampling and tests (the one RNG of src/math/rng.ts + Box-Muller). Reproducible across runs and hosts.

import { createRng, type Rng } from '../math/rng';
export type { Rng };

/** The project's one seeded generator (src/math/rng.ts): `r()` in [0, 1), plus int / normal / pick / state. */
export function rng(seed: number): Rng {
  return createRng(seed);
}

/** Normal(0, scale²) samples. Pass a number (seed) or an existing generator. */
export function randn(n: number, seed: number | Rng, scale = 1): Float32Array {
  const r = typeof seed === 'number' ? rng(seed) : seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()) * scale;
  }
  return out;
}

export function randint(n: number, hi: number, seed: number | Rng): Int32Array {
  const r = typeof seed === 'number' ? rng(seed) : seed;
  return Int32Array.from({ length: n }, () => Math.floor(r() * hi));
}

/** In-place Fisher-Yates shuffle. */
export function shuffle<T extends { length: number; [i: number]: any }>(a: T, r: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
