// SASRec's block arrangements (original / pmixer's post-LN and pre-LN `norm_first`) and the timeline mask, each against
// a plain-loop reference written from the formulas (not from the module), finite differences for the gradients, and
// the settings' error messages; the diagnostic trace never changes what a run trains.
import { describe, expect, it } from 'vitest';
import { checkFiniteDiff, cpuBackend, evaluate, expectClose, f, randn } from '../engine/testing';
import { rng as makeRng, setBackend, tensor, type Tensor } from '../engine';
import { SASREC_BLOCKS, SASRecBlockLayer, trainSASRec, type SASRecBlock } from './sasrec';
import { Dropper, type SeqTrainInputs } from './seq-rec';

const B = 2, L = 5, D = 6, H = 2, EPS = 1e-8;
// left padding as in SASRec's batches: row 0 has two padding positions, row 1 none
const IDS = Int32Array.from([0, 0, 3, 1, 4, 2, 5, 1, 3, 2]);

/** A block with every parameter (LN gains and biases too) set to seeded random values. */
function makeBlock(arr: SASRecBlock, timeline: boolean): SASRecBlockLayer {
  setBackend(cpuBackend);
  const blk = new SASRecBlockLayer(D, H, makeRng(3), arr, timeline);
  blk.parameters().forEach((t, i) => t.backend.write(t.storage, randn(t.size, 100 + i, 0.5)));
  return blk;
}

async function weights(blk: SASRecBlockLayer) {
  const rd = async (t: Tensor | null) => Float64Array.from((await t!.data()) as Float32Array);
  const lin = async (l: { W: Tensor; b: Tensor | null }) => ({ W: await rd(l.W), b: await rd(l.b) });
  return {
    ln1: { g: await rd(blk.ln1.weight), b: await rd(blk.ln1.bias) },
    ln2: { g: await rd(blk.ln2.weight), b: await rd(blk.ln2.bias) },
    q: await lin(blk.q), k: await lin(blk.k), v: await lin(blk.v), o: await lin(blk.o), w1: await lin(blk.w1), w2: await lin(blk.w2),
  };
}

type Rows = number[][]; // (L, D) of one batch row
const linear = (x: Rows, p: { W: Float64Array; b: Float64Array }) =>
  x.map((r) => Array.from({ length: D }, (_, o) => r.reduce((s, v, i) => s + v * p.W[i * D + o], p.b[o])));
const layerNorm = (x: Rows, p: { g: Float64Array; b: Float64Array }) =>
  x.map((r) => {
    const m = r.reduce((s, v) => s + v, 0) / D, va = r.reduce((s, v) => s + (v - m) ** 2, 0) / D;
    return r.map((v, i) => ((v - m) / Math.sqrt(va + EPS)) * p.g[i] + p.b[i]);
  });
const plus = (a: Rows, b: Rows) => a.map((r, i) => r.map((v, j) => v + b[i][j]));
/** torch.nn.MultiheadAttention(q, kv, kv, attn_mask = causal) at inference: per head softmax(q·k/sqrt(dh)) v, out-proj. */
function mha(qIn: Rows, kvIn: Rows, w: Awaited<ReturnType<typeof weights>>): Rows {
  const q = linear(qIn, w.q), k = linear(kvIn, w.k), v = linear(kvIn, w.v), dh = D / H;
  const a = q.map(() => new Array<number>(D).fill(0));
  for (let h = 0; h < H; h++)
    for (let i = 0; i < L; i++) {
      const s = Array.from({ length: i + 1 }, (_, j) => {
        let d = 0;
        for (let x = 0; x < dh; x++) d += q[i][h * dh + x] * k[j][h * dh + x];
        return d / Math.sqrt(dh);
      });
      const mx = Math.max(...s), z = s.reduce((t, e) => t + Math.exp(e - mx), 0);
      s.forEach((e, j) => {
        for (let x = 0; x < dh; x++) a[i][h * dh + x] += (Math.exp(e - mx) / z) * v[j][h * dh + x];
      });
    }
  return linear(a, w.o);
}
const ffn = (x: Rows, w: Awaited<ReturnType<typeof weights>>) => linear(linear(x, w.w1).map((r) => r.map((v) => Math.max(0, v))), w.w2);

/** The block's formulas, one batch row at a time (header of sasrec.ts; pmixer's python/model.py log2feats). */
function reference(arr: SASRecBlock, timeline: boolean, h: Rows, ids: number[], w: Awaited<ReturnType<typeof weights>>): Rows {
  let out: Rows;
  if (arr === 'post-ln') {
    const a = layerNorm(plus(h, mha(h, h, w)), w.ln1);
    out = layerNorm(plus(a, ffn(a, w)), w.ln2);
  } else if (arr === 'pre-ln') {
    const x = layerNorm(h, w.ln1), a = plus(h, mha(x, x, w));
    out = plus(a, ffn(layerNorm(a, w.ln2), w));
  } else {
    const Q = layerNorm(h, w.ln1), a = layerNorm(plus(Q, mha(Q, h, w)), w.ln2);
    out = plus(a, ffn(a, w));
  }
  return timeline ? out.map((r, i) => (ids[i] ? r : r.map(() => 0))) : out;
}

const ctxFor = (ids: Int32Array) => ({ B, L, ids, timeline: tensor(Float32Array.from(ids, (t) => (t ? 1 : 0)), [B, L, 1]), drop: new Dropper(0, 0, 0) });

describe('SASRec blocks', () => {
  for (const arr of SASREC_BLOCKS)
    for (const timeline of [true, false])
      it(`${arr}, timelineMask ${timeline}: matches the plain-loop reference`, async () => {
        const blk = makeBlock(arr, timeline), w = await weights(blk);
        const x = f([B, L, D], 7);
        const { outs } = await evaluate(cpuBackend, (h) => blk.forward(h, ctxFor(IDS), undefined), [x], false);
        const rowsOf = (b: number): Rows => Array.from({ length: L }, (_, i) => Array.from(x.data.subarray((b * L + i) * D, (b * L + i + 1) * D)));
        const idsOf = (b: number) => Array.from(IDS.subarray(b * L, (b + 1) * L));
        const want = [0, 1].flatMap((b) => reference(arr, timeline, rowsOf(b), idsOf(b), w).flat());
        expectClose(outs[0] as Float32Array, want, 1e-4, 1e-3, `${arr} block`);
        // the arrangements differ on the same weights (the comparison would notice a block wired as another)
        if (arr !== 'original') {
          const other = reference('original', timeline, rowsOf(1), idsOf(1), w).flat();
          expect(Math.max(...other.map((v, i) => Math.abs(v - want[L * D + i])))).toBeGreaterThan(1e-2);
        }
      });

  for (const arr of ['post-ln', 'pre-ln'] as const)
    it(`${arr}: gradients match finite differences`, async () => {
      const blk = makeBlock(arr, false);
      await checkFiniteDiff((h) => blk.forward(h, ctxFor(IDS), undefined), [f([B, L, D], 9)], { eps: 1e-2, tol: 3e-2 });
    });

  it('post-ln without the timeline mask leaves padding states non-zero (pmixer: no timeline mask)', async () => {
    const blk = makeBlock('post-ln', false);
    const { outs } = await evaluate(cpuBackend, (h) => blk.forward(h, ctxFor(IDS), undefined), [f([B, L, D], 7)], false);
    const o = outs[0] as Float32Array;
    expect(Math.max(...Array.from(o.subarray(0, D), Math.abs))).toBeGreaterThan(1e-3); // row 0, position 0 is padding
  });
});

describe('SASRec settings', () => {
  const seqs = [
    [1, 2, 3, 4, 5, 6],
    [2, 3, 4, 5, 6, 7],
    [3, 4, 5, 6, 7, 0],
  ];
  const inputs: SeqTrainInputs = { nItems: 8, offsets: Int32Array.from([0, 6, 12, 18]), items: Int32Array.from(seqs.flat()) };
  const tiny = { maxLen: 6, dim: 8, blocks: 1, heads: 1, epochs: 2, batchSize: 2 };

  it('refuses an unknown block arrangement or a non-boolean timelineMask, naming the setting', async () => {
    await expect(trainSASRec(inputs, { ...tiny, block: 'sideways' as SASRecBlock })).rejects.toThrow(/SASRec: block must be one of original, post-ln, pre-ln \(got sideways\)/);
    await expect(trainSASRec(inputs, { ...tiny, timelineMask: 'maybe' as unknown as boolean })).rejects.toThrow(/SASRec: timelineMask must be true or false \(got maybe\)/);
    await expect(trainSASRec(inputs, { ...tiny, traceEvery: -1 })).rejects.toThrow(/traceEvery must be an integer >= 0/);
  });

  it('the diagnostic trace is recorded every traceEvery epochs and after the last, and never changes the trained model', async () => {
    setBackend(cpuBackend);
    const cfg = { ...tiny, epochs: 5, block: 'post-ln' as const, timelineMask: false, seed: 3 };
    const calls: number[] = [];
    let n = 0;
    const traced = await trainSASRec(inputs, { ...cfg, traceEvery: 2 }, { trace: async () => (calls.push(++n), { testRecall5: n / 10 }) });
    const plain = await trainSASRec(inputs, cfg);
    expect(traced.trainLog?.trace?.map((t) => t.epoch)).toEqual([2, 4, 5]);
    expect(traced.trainLog?.trace?.map((t) => t.testRecall5)).toEqual([0.1, 0.2, 0.3]);
    expect(plain.trainLog?.trace).toBeUndefined();
    const h = [Int32Array.from([1, 2, 3])];
    expectClose(await traced.score(h), await plain.score(h), 0, 0, 'scores with and without the trace');
    // the last epoch's weights are kept (no validation): bestEpoch = epochs
    expect(traced.trainLog?.bestEpoch).toBe(5);
  });
});
