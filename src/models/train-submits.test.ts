// Queue submits per WebGPU training step (issue 14 target: <= 4) for a CRQ-VAE step as the tokenizer loop runs it
// (loss, codes of every level read back) and for a small decoder stack; and its optimizer is 3 dispatches.
import { describe, expect, it } from 'vitest';
import { crossEntropy, grad, reshape, setBackend, tensor, tidyAsync } from '../engine';
import { testGpu } from '../engine/testing';
import { batchPairs, CRQ_DEFAULTS, crqVaeLoss, ResidualVAE } from './crq-vae';
import { AdamW, DecoderBlock, Embedding, Linear, rng } from './nn';

describe('submits per WebGPU training step', () => {
  it('CRQ-VAE step with the tokenizer loop readbacks (codes of every level + loss): <= 4 submits', async () => {
    const gpu = await testGpu();
    setBackend(gpu);
    const r = rng(5);
    const F = 24, B = 32;
    const cfg = { ...CRQ_DEFAULTS, inputDim: F, hidden: [32, 16], latentDim: 8, codebookSize: 16 };
    const vae = new ResidualVAE(cfg, r);
    const opt = new AdamW(vae.parameters(), { lr: 1e-3, clipNorm: 1 });
    const x = Float32Array.from({ length: B * F }, () => r() * 2 - 1);
    const pairs = () => batchPairs(Int32Array.from([0, 1, 2, 3]), Int32Array.from([4, 5, 6, 7]));
    const step = () =>
      tidyAsync(async () => {
        const xt = tensor(x, [B, F]);
        const out = vae.forward(xt);
        const terms = crqVaeLoss(out, xt, cfg, pairs());
        opt.step(grad(terms.total, vae.parameters()));
        const codes = await Promise.all(out.q.codes.map((c) => c.data()));
        expect(codes.length).toBe(cfg.levels);
        return terms.total.item();
      });
    await step();
    const s0 = gpu.submits;
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push(await step());
    expect((gpu.submits - s0) / 3).toBeLessThanOrEqual(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    opt.dispose();
    vae.dispose();
  });

  it('a 2-block decoder stack without context (unused cross-attention params): <= 4 submits; skipped params as torch', async () => {
    const gpu = await testGpu();
    setBackend(gpu);
    const run = async (fused: boolean) => {
      const r = rng(9);
      const V = 16, T = 6, B = 4, d = 16;
      const emb = new Embedding(V, d, r);
      const blocks = [new DecoderBlock(d, 2, 2 * d, r), new DecoderBlock(d, 2, 2 * d, r)];
      const head = new Linear(d, V, r);
      const params = [...emb.parameters(), ...blocks.flatMap((b) => b.parameters()), ...head.parameters()];
      const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0.1, clipNorm: 0.5, fused });
      expect(opt.fused).toBe(fused);
      const toks = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % V);
      let optDispatches = 0;
      let present = 0;
      const step = () =>
        tidyAsync(async () => {
          let h = emb.forward(tensor(toks, [B, T], 'i32'));
          for (const b of blocks) h = b.forward(h, null); // no context: the cross-attention parameters get no gradient
          const loss = crossEntropy(reshape(head.forward(h), [-1, V]), tensor(toks, [B * T], 'i32'));
          const gs = grad(loss, params);
          present = gs.filter(Boolean).length;
          const d0 = gpu.dispatches;
          opt.step(gs);
          optDispatches = gpu.dispatches - d0;
          return loss.item();
        });
      const losses = [await step()];
      const s0 = gpu.submits;
      for (let i = 0; i < 3; i++) losses.push(await step());
      const submits = (gpu.submits - s0) / 3;
      const unused = await blocks[0].cross!.q.W.data(); // never updated: equal on both paths (no weight decay either)
      const nParams = params.length;
      opt.dispose();
      for (const m of [emb, ...blocks, head]) m.dispose();
      return { losses, submits, optDispatches, present, nParams, unused };
    };
    const f = await run(true);
    const p = await run(false);
    expect(f.present).toBeLessThan(f.nParams);
    expect(f.submits).toBeLessThanOrEqual(4);
    expect(f.optDispatches).toBe(2 + 3); // norm + finalize + one AdamW per run of present slots (emb | block 0 | block 1 + head)
    expect(p.optDispatches).toBe(3 * p.present + 1);
    for (let i = 0; i < f.losses.length; i++) expect(Math.abs(f.losses[i] - p.losses[i])).toBeLessThanOrEqual(1e-6);
    expect(f.losses[3]).not.toBe(f.losses[0]);
    expect(Array.from(f.unused)).toEqual(Array.from(p.unused));
  });
});
