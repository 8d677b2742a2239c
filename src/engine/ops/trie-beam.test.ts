import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import { checkGpuVsCpu, cpuBackend, f, testBackends, type Input } from '../testing';
import { setBackend, tensor, tidyAsync, type Tensor } from '../tensor';
import { topk } from './topk';
import { trieBeamAdvance, trieBeamScores, trieBlock } from './trie-beam';

// A small trie: root 0 -> {1 (code 0), 2 (code 2)}; 1 -> {3 (code 1), 4 (code 2)}; 2 -> {5 (code 0)}; leaves 3, 4, 5
// (Kc = 3, K = 3). parent table for trieBlock.
const children = Int32Array.from([1, -1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]);
const parent = Int32Array.from([-1, 0, 0, 1, 1, 2]);
const N = 6, Kc = 3;
const i32 = (data: number[] | Int32Array, shape: number[]): Input => ({ data: Int32Array.from(data), shape, grad: false });

describe('trie beam ops', () => {
  it('trieBeamScores: every backend = CPU reference (dead beams, missing children, closed branches, K > Kc)', async () => {
    const U = 2, beams = 3, R = U * beams;
    for (const K of [3, 5]) {
      const logp = f([R, K], 1);
      const score = { data: Float32Array.from([0, -1.5, -Infinity, -0.25, -2, -3]), shape: [R] };
      const node = i32([0, 1, -1, 1, 2, 0], [R]);
      // user 1 has branch 4 and node 5 closed (no allowed item left)
      const open = i32([3, 2, 1, 1, 1, 1, 3, 1, 0, 1, 0, 0], [U, N]);
      await checkGpuVsCpu(((l: Tensor, s: Tensor, n: Tensor, c: Tensor, o: Tensor) => trieBeamScores(l, s, n, c, o, beams)) as never,
        [logp, score, node, i32(children, [N, Kc]), open], { grad: false, atol: 0, rtol: 0 });
    }
  });

  it('trieBeamScores CPU reference: the hand-checked mask', async () => {
    setBackend(cpuBackend);
    const out = await tidyAsync(async () => {
      const logp = tensor(new Float32Array(6).fill(-1), [2, 3]);
      const c = trieBeamScores(logp, tensor([0, -2], [2]), tensor([0, 1], [2], 'i32'), tensor(children, [N, Kc], 'i32'), tensor([1, 1, 1, 1, 0, 1], [1, N], 'i32'), 2);
      return Array.from((await c.data()) as Float32Array);
    });
    // beam 0 at the root: codes 0 (node 1, open) and 2 (node 2, open); beam 1 at node 1: code 1 (node 3), code 2 (node 4, closed)
    expect(out).toEqual([-1, -Infinity, -1, -Infinity, -3, -Infinity]);
  });

  it('trieBeamAdvance: every backend = CPU reference; parents, codes and dead beams', async () => {
    const U = 2, beams = 2, K = 3, LV = 3;
    const values = { data: Float32Array.from([-0.5, -1, -2, -Infinity]), shape: [U, beams] };
    const idx = i32([2, 0, 4, 1], [U, beams]); // user 0: (parent 0, code 2), (0, 0); user 1: (1, 1), (0, 1) dead
    const node = i32([0, 0, 0, 1], [U * beams]);
    const codes = i32([9, 9, 9, 8, 8, 8, 7, 7, 7, 6, 6, 6], [U * beams, LV]);
    const fn = ((v: Tensor, i: Tensor, n: Tensor, c: Tensor, ch: Tensor) => trieBeamAdvance(v, i, n, c, ch, { K, level: 1, offset: 10 })) as never;
    await checkGpuVsCpu(fn, [values, idx, node, codes, i32(children, [N, Kc])], { grad: false, atol: 0, rtol: 0 });
    setBackend(cpuBackend);
    const [s, n, c, pr] = await tidyAsync(async () => {
      const outs = trieBeamAdvance(tensor(values.data, values.shape), tensor(idx.data, idx.shape, 'i32'), tensor(node.data, [4], 'i32'), tensor(codes.data, codes.shape, 'i32'), tensor(children, [N, Kc], 'i32'), { K, level: 1, offset: 10 });
      return Promise.all(outs.map(async (t) => Array.from(await t.data())));
    });
    expect(s).toEqual([-0.5, -1, -2, -Infinity]);
    expect(n).toEqual([2, 1, 3, -1]); // user 1's first: parent row 3 (node 1) code 1 -> node 3; the dead one -> -1
    expect(c).toEqual([9, 12, 9, 9, 10, 9, 6, 11, 6, 7, 11, 7]);
    expect(pr).toEqual([0, 0, 3, 2]);
  });

  it('trieBlock: in place on every backend, the path of each user’s beam 0 loses one item', async () => {
    const runs: Backend[] = [cpuBackend, ...(await testBackends())];
    for (const be of runs) {
      setBackend(be);
      const res = await tidyAsync(async () => {
        const open = tensor([3, 2, 1, 1, 1, 1, 3, 2, 1, 1, 1, 1], [2, N], 'i32');
        trieBlock(open, tensor([4, 3, 5, 0], [4], 'i32'), tensor(parent, [N], 'i32'), 2);
        return Array.from((await open.data()) as Int32Array);
      });
      expect(res, be.kind).toEqual([3, 1, 1, 1, 0, 1, 3, 2, 0, 1, 1, 0]);
    }
  });

  it('scores -> topk -> advance picks the best valid (beam, code) with ties to the lower parent, then code', async () => {
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      const res = await tidyAsync(async () => {
        const logp = tensor([-1, -1, -1, -0.5, -3, -0.1], [2, 3]);
        const cand = trieBeamScores(logp, tensor([0, -0.5], [2]), tensor([0, 1], [2], 'i32'), tensor(children, [N, Kc], 'i32'), tensor([1, 1, 1, 1, 1, 1], [1, N], 'i32'), 2);
        const [v, i] = topk(cand.reshape([1, 6]), 2);
        return [Array.from(await v.data()), Array.from(await i.data())];
      });
      // candidates: beam 0 codes 0, 2 -> -1, -1; beam 1 codes 1, 2 -> -3.5, -0.6
      expect(res, be.kind).toEqual([[-0.6000000238418579, -1], [5, 0]]);
    }
  });

  it('rejects inconsistent shapes with a clear message', () => {
    setBackend(cpuBackend);
    const ch = tensor(children, [N, Kc], 'i32');
    expect(() => trieBeamScores(tensor(new Float32Array(6), [2, 3]), tensor([0, 0], [2]), tensor([0, 0], [2], 'i32'), ch, tensor(new Int32Array(5), [1, 5], 'i32'), 2)).toThrow(/open must be \(U, N\)/);
    expect(() => trieBeamScores(tensor(new Float32Array(6), [2, 3]), tensor([0, 0], [2]), tensor([0, 0], [2], 'i32'), ch, tensor(new Int32Array(6), [1, 6], 'i32'), 3)).toThrow(/not a multiple of beams=3/);
    expect(() => trieBeamScores(tensor(new Float32Array(6), [2, 3]), tensor([0, 0], [2]), tensor([0, 0], [2]), ch, tensor(new Int32Array(6), [1, 6], 'i32'), 2)).toThrow(/node must be i32 of rank 1, got f32 \[2\]/);
    expect(() => trieBlock(tensor(new Int32Array(6), [1, 6], 'i32'), tensor([0], [1], 'i32'), tensor(parent, [N], 'i32'), 2)).toThrow(/disagree \(beams=2\)/);
    ch.dispose();
  });
});
