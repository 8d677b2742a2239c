import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  add,
  attention,
  crossEntropy,
  grad,
  mul,
  reshape,
  setBackend,
  sum,
  tensor,
  tidy,
  tidyAsync,
  noGrad,
  slice,
  randn,
  type Backend,
  type Tensor,
} from '../engine';
import { cpuBackend, expectClose, testBackends, testGpu, testWasm } from '../engine/testing';
import { WebGPUBackend } from '../engine/webgpu-backend';

/** A second backend on the test device that submits every dispatch on its own (the pre-batching engine). */
async function unbatchedGpu(): Promise<WebGPUBackend> {
  const g = await testGpu();
  return new WebGPUBackend({ device: g.device, info: g.info, lost: g.device.lost }, { batching: false });
}

/** A few AdamW steps of one DecoderBlock (clip on, weight decay on) on a fixed regression target; the loss per step. */
async function trainBlock(be: Backend, steps: number, fused: boolean): Promise<{ losses: number[]; optDispatches: number[]; nParams: number }> {
  setBackend(be);
  const { B, T, TC, D, H, F } = fx.config;
  const block = new DecoderBlock(D, H, F, rng(11));
  const opt = new AdamW(block.parameters(), { lr: 3e-2, weightDecay: 0.1, clipNorm: 0.5, fused });
  const losses: number[] = [];
  const optDispatches: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = tidy(() => {
      const x = tensor(fx.x.data, fx.x.shape);
      const ctx = tensor(fx.ctx.data, fx.ctx.shape);
      const mask = tensor(fx.ctx_mask.data, fx.ctx_mask.shape, 'i32');
      const out = block.forward(x, ctx, { ctxMask: mask, causal: true });
      const l = sum(mul(mul(out, tensor(fx.w.data, fx.w.shape)), out));
      const gs = grad(l, block.parameters());
      const d0 = be instanceof WebGPUBackend ? be.dispatches : 0;
      opt.step(gs);
      if (be instanceof WebGPUBackend) optDispatches.push(be.dispatches - d0);
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
  }
  expect(B * T * TC).toBeGreaterThan(0);
  const nParams = block.parameters().length;
  opt.dispose();
  block.dispose();
  return { losses, optDispatches, nParams };
}
import { AdamW, DecoderBlock, Embedding, Linear, Module, MultiHeadAttention, createKVCache, disposeKVCache, rng, type StateDict } from './nn';

interface Arr {
  shape: number[];
  data: number[];
}
const fx = JSON.parse(readFileSync(new URL('../../fixtures/decoder_block.json', import.meta.url), 'utf8')) as {
  config: { B: number; T: number; TC: number; D: number; H: number; F: number };
  params: Record<string, Arr>;
  x: Arr;
  ctx: Arr;
  ctx_mask: Arr;
  w: Arr;
  out: number[];
  loss: number;
  grad_x: number[];
  grad_ctx: number[];
  grad_params: Record<string, number[]>;
};

async function blockAgainstTorch(be: Backend) {
  setBackend(be);
  const { D, H, F } = fx.config;
  const block = new DecoderBlock(D, H, F, rng(1));
  const sd: StateDict = {};
  for (const [k, v] of Object.entries(fx.params)) sd[k] = { shape: v.shape, data: Float32Array.from(v.data) };
  block.loadStateDict(sd);
  await tidyAsync(async () => {
    const x = tensor(fx.x.data, fx.x.shape);
    const ctx = tensor(fx.ctx.data, fx.ctx.shape);
    x.requiresGrad = ctx.requiresGrad = true;
    const mask = tensor(fx.ctx_mask.data, fx.ctx_mask.shape, 'i32');
    const out = block.forward(x, ctx, { ctxMask: mask, causal: true });
    const loss = sum(mul(out, tensor(fx.w.data, fx.w.shape)));
    const names = block.namedParameters();
    const gs = grad(loss, [x, ctx, ...names.map(([, t]) => t)]);
    expectClose(await out.data(), fx.out, 2e-4, 2e-3, 'block output');
    expect(Math.abs((await loss.item()) - fx.loss)).toBeLessThan(2e-3 * Math.abs(fx.loss) + 1e-3);
    expectClose(await gs[0]!.data(), fx.grad_x, 5e-4, 5e-3, 'grad x');
    expectClose(await gs[1]!.data(), fx.grad_ctx, 5e-4, 5e-3, 'grad ctx');
    for (const [i, [n]] of names.entries()) expectClose(await gs[i + 2]!.data(), fx.grad_params[n], 5e-4, 5e-3, `grad ${n}`);
  });
  block.dispose();
}

/** Copy task: the context is the embedded source sequence; predict it back position by position. */
class TinyCopy extends Module {
  emb: Embedding;
  pos: Embedding;
  block: DecoderBlock;
  head: Linear;
  constructor(
    readonly V: number,
    readonly T: number,
    D: number,
    seed: number,
  ) {
    super();
    const r = rng(seed);
    this.emb = this.addModule('emb', new Embedding(V, D, r, 0.5));
    this.pos = this.addModule('pos', new Embedding(T, D, r, 0.5));
    this.block = this.addModule('block', new DecoderBlock(D, 2, 2 * D, r));
    this.head = this.addModule('head', new Linear(D, V, r));
  }
  loss(src: Tensor, positions: Tensor, targets: Tensor): Tensor {
    const q = this.pos.forward(positions); // (B, T, D)
    const ctx = add(this.emb.forward(src), q); // (B, T, D): token + position, so queries can find their position
    const h = this.block.forward(q, ctx, { causal: true });
    const logits = this.head.forward(h); // (B, T, V)
    return crossEntropy(reshape(logits, [-1, this.V]), targets);
  }
}

async function trainCopy(be: Backend, steps: number, optOpts: { fused?: boolean; weightDecay?: number } = {}): Promise<number[]> {
  setBackend(be);
  const V = 8, T = 4, B = 16, D = 16;
  const model = new TinyCopy(V, T, D, 7);
  const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0, ...optOpts });
  const r = rng(3);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const src = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
    const pos = Int32Array.from({ length: B * T }, (_, i) => i % T);
    const loss = tidy(() => {
      const l = model.loss(tensor(src, [B, T], 'i32'), tensor(pos, [B, T], 'i32'), tensor(src, [B * T], 'i32'));
      opt.step(grad(l, model.parameters()));
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
  }
  opt.dispose();
  model.dispose();
  return losses;
}

describe('nn building blocks', () => {
  it('DecoderBlock (Eq. 6/8) matches the PyTorch reference on the CPU backend: output, loss, all gradients', async () => {
    await blockAgainstTorch(cpuBackend);
  });
  it('DecoderBlock matches the PyTorch reference on every backend (webgpu, wasm)', async () => {
    for (const be of await testBackends()) await blockAgainstTorch(be);
  });
  it('the same tiny model trained on cpu, webgpu and wasm follows one loss curve (20 steps)', async () => {
    const cpu = await trainCopy(cpuBackend, 20);
    for (const be of await testBackends()) {
      const got = await trainCopy(be, 20);
      for (let i = 0; i < cpu.length; i++) {
        if (!(Math.abs(got[i] - cpu[i]) < 2e-3 * Math.max(1, cpu[i]) + 2e-3)) throw new Error(`${be.kind}: step ${i} loss ${got[i]} vs cpu ${cpu[i]}`);
      }
    }
  });
  it('training steps do not leak wasm memory', async () => {
    const wasm = await testWasm();
    await trainCopy(wasm, 2);
    const before = wasm.stats().liveBuffers;
    await trainCopy(wasm, 4);
    expect(wasm.stats().liveBuffers).toBe(before);
  });
  it('a tiny model learns a copy task on WebGPU and follows the CPU loss curve for the first steps', async () => {
    const steps = 60;
    const gpu = await trainCopy(await testGpu(), steps);
    const cpu = await trainCopy(cpuBackend, 6);
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(gpu[i] - cpu[i])).toBeLessThan(1e-3 * Math.max(1, cpu[i]) + 1e-3);
    const first = gpu.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = gpu.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first * 0.5);
  });
  it('copy task: batched WebGPU + fused optimizer follows the unbatched per-tensor loss curve within 1e-6', async () => {
    const steps = 12;
    const fused = await trainCopy(await testGpu(), steps, { weightDecay: 0.01 });
    const plain = await trainCopy(await unbatchedGpu(), steps, { fused: false, weightDecay: 0.01 });
    for (let i = 0; i < steps; i++) expect(Math.abs(fused[i] - plain[i]), `step ${i}`).toBeLessThanOrEqual(1e-6);
    expect(fused[steps - 1]).toBeLessThan(fused[0]); // it trains (the comparison is not between two constant curves)
  });
  it('decoder block: the fused optimizer is 3 dispatches and matches the per-tensor, unbatched loss curve within 1e-6', async () => {
    const gpu = await testGpu();
    const a = await trainBlock(gpu, 6, true);
    const b = await trainBlock(await unbatchedGpu(), 6, false);
    expect(a.optDispatches.every((d) => d === 3), `optimizer dispatches ${a.optDispatches}`).toBe(true);
    expect(b.optDispatches[0]).toBe(3 * b.nParams + 1); // per tensor: sumsq + scale + adamw each, one finalize
    for (let i = 0; i < a.losses.length; i++) expect(Math.abs(a.losses[i] - b.losses[i]), `step ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b.losses[i])));
    expect(a.losses[5]).not.toBe(a.losses[0]);
    const c = await trainBlock(cpuBackend, 3, true); // the CPU reference, fused through CPU views
    for (let i = 0; i < 3; i++) expect(Math.abs(c.losses[i] - b.losses[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(b.losses[i])));
  });
  it('a WebGPU training step is at most 4 queue submits', async () => {
    const gpu = await testGpu();
    await trainCopy(gpu, 1);
    const s0 = gpu.submits;
    const steps = 3;
    await trainCopy(gpu, steps); // each step: forward + backward + optimizer + one loss readback
    expect((gpu.submits - s0) / steps).toBeLessThanOrEqual(4);
  });
  it('a WebGPU training step binds the same pooled buffers every step: no bind group is created after the first step', async () => {
    const g = await testGpu();
    const be = new WebGPUBackend({ device: g.device, info: g.info, lost: g.device.lost });
    setBackend(be);
    const block = new DecoderBlock(16, 2, 32, rng(2));
    const opt = new AdamW(block.parameters(), { lr: 1e-2 });
    const x = tensor(randn(2 * 6 * 16, 1), [2, 6, 16]).keep();
    const ctx = tensor(randn(2 * 4 * 16, 2), [2, 4, 16]).keep();
    const misses: number[] = [];
    const hits: number[] = [];
    for (let s = 0; s < 5; s++) {
      const m0 = be.bindGroupMisses;
      const h0 = be.bindGroupHits;
      await tidyAsync(async () => {
        const l = sum(mul(block.forward(x, ctx, { causal: true }), x));
        opt.step(grad(l, block.parameters()));
        await l.data();
      });
      misses.push(be.bindGroupMisses - m0);
      hits.push(be.bindGroupHits - h0);
    }
    expect(misses[0]).toBeGreaterThan(0);
    expect(misses.slice(1)).toEqual([0, 0, 0, 0]);
    expect(hits[4]).toBe(misses[0] + hits[0]); // every dispatch of a later step is a cache hit
    for (const t of [x, ctx]) t.dispose();
    opt.dispose();
    block.dispose();
  });
  it('training steps do not leak GPU buffers', async () => {
    const gpu = await testGpu();
    await trainCopy(gpu, 2);
    const before = gpu.stats().liveBuffers;
    await trainCopy(gpu, 4);
    expect(gpu.stats().liveBuffers).toBe(before);
  });
});

describe('KV-cached decoding', () => {
  it('two decoder blocks fed one token at a time with caches equal the uncached causal pass (CPU and WebGPU)', async () => {
    for (const be of [cpuBackend, await testGpu()]) {
      setBackend(be);
      const r = rng(3);
      const blocks = [new DecoderBlock(16, 4, 24, r), new DecoderBlock(16, 4, 24, r)];
      const B = 2, T = 5, TC = 3;
      const x = randn(B * T * 16, 11);
      const c = randn(B * TC * 16, 12);
      await tidyAsync(async () => {
        const xs = tensor(x, [B, T, 16]);
        const ctx = tensor(c, [B, TC, 16]);
        const full = await noGrad(() => blocks.reduce((h, b) => b.forward(h, ctx), xs)).data();
        const caches = blocks.map(() => createKVCache(B, T, 16));
        const kv = noGrad(() => blocks.map((b) => b.projectContext(ctx)));
        const steps: Float32Array[] = [];
        for (let t = 0; t < T; t++) {
          const xt = slice(xs, 1, t, t + 1);
          const y = noGrad(() => blocks.reduce((h, b, i) => b.forward(h, null, { cache: caches[i], ctxKV: kv[i] }), xt));
          steps.push((await y.data()) as Float32Array);
        }
        expect(caches[0].len).toBe(T);
        const inc = new Float32Array(B * T * 16);
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) inc.set(steps[t].subarray(b * 16, b * 16 + 16), (b * T + t) * 16);
        expectClose(inc, full, 1e-4, 1e-3, `cached vs uncached on ${be.kind}`);
        // one more token does not fit
        expect(() => noGrad(() => blocks[0].forward(slice(xs, 1, 0, 1), null, { cache: caches[0], ctxKV: kv[0] }))).toThrow(/cache/);
        caches.forEach(disposeKVCache);
      });
      blocks.forEach((b) => b.dispose());
    }
  });
});

describe('MultiHeadAttention with an additive bias', () => {
  it('passes the bias (heads, T, T) to the attention op: same output and bias gradient as calling it directly, on every backend', async () => {
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      const r = rng(5);
      const mha = new MultiHeadAttention(8, 2, r);
      const B = 2, T = 4;
      await tidyAsync(async () => {
        const x = tensor(randn(B * T * 8, 21), [B, T, 8]);
        const biasData = randn(2 * T * T, 22);
        biasData[3] = -Infinity; // head 0, query 0, key 3: masked
        const bias = tensor(biasData, [2, T, T]);
        bias.requiresGrad = true;
        const y = mha.forward(x, { causal: true, bias });
        const direct = mha.o.forward(attention(mha.q.forward(x), mha.k.forward(x), mha.v.forward(x), { heads: 2, causal: true, bias }));
        const plain = mha.forward(x, { causal: true });
        const [yd, dd, pd] = await Promise.all([y.data(), direct.data(), plain.data()]);
        expectClose(yd, dd, 1e-6, 1e-6, `${be.kind}: mha vs direct`);
        expect(Array.from(yd).some((v, i) => Math.abs(v - pd[i]) > 1e-3), `${be.kind}: the bias changes the output`).toBe(true);
        const [g1] = grad(sum(mul(y, y)), [bias]);
        const [g2] = grad(sum(mul(direct, direct)), [bias]);
        const [a1, a2] = await Promise.all([g1!.data(), g2!.data()]);
        expectClose(a1, a2, 1e-6, 1e-6, `${be.kind}: dbias`);
        expect(a1[3]).toBe(0);
        expect(Array.from(a1).some((v) => Math.abs(v) > 1e-4)).toBe(true);
      });
      mha.dispose();
    }
  });
});
