// A planted sequential pattern for the baselines' tests: a hidden successor chain over the catalogue (item i is followed
// by succ(i) with probability 1 − noise, otherwise by a uniformly random item). Popularity is nearly flat, so only a
// model that learns "what follows the last items" beats it. Train and test users are disjoint.
import { rng } from '../engine/random';
import type { SeqTrainInputs } from '../models/seq-rec';
import type { EvalCase } from './harness';

export interface Planted {
  train: SeqTrainInputs;
  test: EvalCase[];
}

export function plantedSequences(o: { nItems?: number; trainUsers?: number; testUsers?: number; length?: number; noise?: number; seed?: number } = {}): Planted {
  const n = o.nItems ?? 100, len = o.length ?? 24, noise = o.noise ?? 0.25;
  const r = rng(o.seed ?? 1);
  // succ: a random permutation without fixed points (a derangement by rotation of a shuffled order)
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const succ = new Int32Array(n);
  for (let i = 0; i < n; i++) succ[order[i]] = order[(i + 1) % n];
  const seq = () => {
    // no repeats within a sequence (like the bundled file), so history exclusion never removes a target
    const s = [Math.floor(r() * n)];
    const used = new Set(s);
    while (s.length < len) {
      let nx = r() < noise ? Math.floor(r() * n) : succ[s[s.length - 1]];
      while (used.has(nx)) nx = (nx + 1 + Math.floor(r() * (n - 1))) % n;
      s.push(nx);
      used.add(nx);
    }
    return s;
  };
  const offsets = [0];
  const items: number[] = [];
  for (let u = 0; u < (o.trainUsers ?? 150); u++) { items.push(...seq()); offsets.push(items.length); }
  const test: EvalCase[] = [];
  for (let u = 0; u < (o.testUsers ?? 40); u++) {
    const s = seq();
    test.push({ user: u, history: Int32Array.from(s.slice(0, -5)), target: Int32Array.from(s.slice(-5)), impressions: null });
  }
  return { train: { nItems: n, offsets: Int32Array.from(offsets), items: Int32Array.from(items) }, test };
}
