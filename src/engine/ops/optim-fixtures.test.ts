// Our CPU reference and GPU kernels vs PyTorch (fixtures/optim.json, from scripts/fixtures/optim.py):
// torch.optim.AdamW steps (incl. clip_grad_norm_ before each step), clip_grad_norm_, and the embedding backward.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { Backend } from '../backend';
import { grad } from '../autograd';
import { cpuBackend, expectClose, testGpu, testBackends } from '../testing';
import { setBackend, tensor, tidyAsync, type Tensor } from '../tensor';
import { adamwStep } from './adamw';
import { clipGradNorm, gradClipScale } from './clip';
import { embedding } from './embedding';
import { mul, sumTo } from './elementwise';

interface AdamwCase {
  name: string;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  clip: number | null;
  shapes: number[][];
  init: number[][];
  steps: { grads: number[][]; clip_norm: number | null; params: number[][]; exp_avg: number[][]; exp_avg_sq: number[][] }[];
}
interface ClipCase {
  name: string;
  shapes: number[][];
  max_norm: number;
  grads: number[][];
  total_norm: number;
  after: number[][];
}
interface EmbCase {
  name: string;
  V: number;
  d: number;
  idx: number[];
  idx_shape: number[];
  table: number[];
  w: number[];
  out: number[];
  out_shape: number[];
  grad: number[];
}
const fx = JSON.parse(readFileSync(new URL('../../../fixtures/optim.json', import.meta.url), 'utf8')) as {
  adamw: AdamwCase[];
  clip: ClipCase[];
  embedding: EmbCase[];
};

async function backends(): Promise<Backend[]> {
  return [cpuBackend, ...(await testBackends())];
}

describe('optimizer ops vs PyTorch fixtures', () => {
  it('has the expected cases', () => {
    expect(fx.adamw.length).toBeGreaterThanOrEqual(4);
    expect(fx.clip.map((c) => c.total_norm > c.max_norm)).toContain(false);
    expect(fx.clip.map((c) => c.total_norm > c.max_norm)).toContain(true);
  });

  it('adamwStep = torch.optim.AdamW after every step (CPU and GPU; clip_then_step uses gradClipScale + gradScale)', async () => {
    for (const be of await backends()) {
      setBackend(be);
      for (const c of fx.adamw) {
        await tidyAsync(async () => {
          const ps = c.init.map((d, i) => tensor(d, c.shapes[i], 'f32', be));
          const ms = c.shapes.map((s) => tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), s, 'f32', be));
          const vs = c.shapes.map((s) => tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), s, 'f32', be));
          for (const [t, st] of c.steps.entries()) {
            const gs = st.grads.map((d, i) => tensor(d, c.shapes[i], 'f32', be));
            let gradScale: Tensor | undefined;
            if (c.clip !== null) {
              const r = gradClipScale(gs, c.clip);
              expect(Math.abs((await r.norm.item()) - st.clip_norm!) / st.clip_norm!, `${c.name} clip norm`).toBeLessThan(1e-5);
              gradScale = r.scale;
            }
            ps.forEach((p, i) =>
              adamwStep(p, gs[i], ms[i], vs[i], {
                lr: c.lr,
                beta1: c.beta1,
                beta2: c.beta2,
                eps: c.eps,
                weightDecay: c.weight_decay,
                step: t + 1,
                gradScale,
              }),
            );
            for (let i = 0; i < ps.length; i++) {
              const what = `${be.kind} ${c.name} step ${t + 1} tensor ${i}`;
              expectClose(await ps[i].data(), st.params[i], 1e-6, 1e-5, `${what} param`);
              expectClose(await ms[i].data(), st.exp_avg[i], 1e-6, 1e-5, `${what} exp_avg`);
              expectClose(await vs[i].data(), st.exp_avg_sq[i], 1e-6, 1e-5, `${what} exp_avg_sq`);
            }
          }
        });
      }
    }
  });

  it('clipGradNorm = clip_grad_norm_ (returned norm and clipped grads, incl. the no-clip case)', async () => {
    for (const be of await backends()) {
      setBackend(be);
      for (const c of fx.clip) {
        await tidyAsync(async () => {
          const gs = c.grads.map((d, i) => tensor(d, c.shapes[i], 'f32', be));
          const norm = await clipGradNorm(gs, c.max_norm).item();
          expect(Math.abs(norm - c.total_norm) / c.total_norm, `${be.kind} ${c.name} norm`).toBeLessThan(1e-5);
          for (const [i, g] of gs.entries()) expectClose(await g.data(), c.after[i], 1e-7, 1e-5, `${be.kind} ${c.name} grad ${i}`);
        });
      }
    }
  });

  it('embedding forward and table gradient = F.embedding backward with repeated indices', async () => {
    for (const be of await backends()) {
      setBackend(be);
      for (const c of fx.embedding) {
        await tidyAsync(async () => {
          const table = tensor(c.table, [c.V, c.d], 'f32', be);
          table.requiresGrad = true;
          const out = embedding(table, tensor(c.idx, c.idx_shape, 'i32', be));
          expect(out.shape).toEqual(c.out_shape);
          expectClose(await out.data(), c.out, 0, 0, `${be.kind} ${c.name} out`);
          const loss = sumTo(mul(out, tensor(c.w, c.out_shape, 'f32', be)), [1]);
          const [g] = grad(loss, [table]);
          expectClose(await g!.data(), c.grad, 1e-6, 1e-5, `${be.kind} ${c.name} grad`);
        });
      }
    }
  });
});
