import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, initCpu, rng, setBackend, tensor, tidyAsync, type Tensor } from '../engine';
import { expectClose, randn, testGpu } from '../engine/testing';
import { batchPairs, crqVaeLoss, globalQuantLoss, infoNCE, prefixContrastiveLoss, reconLoss, ResidualVAE, CRQ_DEFAULTS, type CrqVaeConfig } from './crq-vae';
import { layerQuantLoss, rqVaeLoss } from './rq-vae';
import type { QuantizeOut } from './residual-quantizer';

const FIX = JSON.parse(readFileSync(new URL('../../fixtures/crqvae.json', import.meta.url), 'utf8'));

const leaf = (data: Float32Array, shape: number[]) => {
  const t = tensor(data, shape);
  t.requiresGrad = true;
  return t;
};
const rowsq = (a: ArrayLike<number>, b: ArrayLike<number>, B: number, d: number, i: number) => {
  let s = 0;
  for (let j = 0; j < d; j++) s += (a[i * d + j] - b[i * d + j]) ** 2;
  return s;
};

describe('CRQ-VAE losses against direct formulas', () => {
  it('L_recon and L_global_quan (Eq. 2, 3) values and stop-gradients', async () => {
    initCpu();
    const B = 5;
    const d = 3;
    const A = randn(B * d, 1);
    const Bv = randn(B * d, 2);
    await tidyAsync(async () => {
      const xHat = leaf(A, [B, d]);
      const x = tensor(Bv, [B, d]);
      let ref = 0;
      for (let i = 0; i < B; i++) ref += rowsq(A, Bv, B, d, i) / B;
      expect(await reconLoss(xHat, x).item()).toBeCloseTo(ref, 4);

      const z = leaf(A, [B, d]);
      const zHat = leaf(Bv, [B, d]);
      const eta = 0.1;
      const g = globalQuantLoss(z, zHat, eta);
      expect(await g.item()).toBeCloseTo(ref * (1 + eta), 4);
      // ‖ẑ − sg(z)‖² moves only ẑ; η‖z − sg(ẑ)‖² moves only z
      const [gz, gzh] = grad(g, [z, zHat]);
      const gzD = await gz!.data();
      const gzhD = await gzh!.data();
      for (let k = 0; k < B * d; k++) {
        expect(gzhD[k]).toBeCloseTo((2 * (Bv[k] - A[k])) / B, 4);
        expect(gzD[k]).toBeCloseTo((2 * eta * (A[k] - Bv[k])) / B, 4);
      }
    });
  });

  it('L_layer_quan (Eq. 2): sum over levels, commitment to r, η-weighted codebook term to e', async () => {
    initCpu();
    const B = 4;
    const L = 3;
    const D = 2;
    await tidyAsync(async () => {
      const rs = [randn(B * L, 3), randn(B * L, 4)];
      const es = [randn(B * L, 5), randn(B * L, 6)];
      const residuals = rs.map((r) => leaf(r, [B, L]));
      const codewords = es.map((e) => leaf(e, [B, L]));
      const q = { residuals, codewords, codes: [], zHat: codewords[0] } as unknown as QuantizeOut;
      const eta = 0.25;
      const loss = layerQuantLoss(q, eta);
      let ref = 0;
      for (let l = 0; l < D; l++) for (let i = 0; i < B; i++) ref += ((1 + eta) * rowsq(rs[l], es[l], B, L, i)) / B;
      expect(await loss.item()).toBeCloseTo(ref, 4);
      const gs = grad(loss, [...residuals, ...codewords]);
      const gr0 = await gs[0]!.data();
      const ge1 = await gs[3]!.data();
      for (let k = 0; k < B * L; k++) {
        expect(gr0[k]).toBeCloseTo((2 * (rs[0][k] - es[0][k])) / B, 4);
        expect(ge1[k]).toBeCloseTo((2 * eta * (es[1][k] - rs[1][k])) / B, 4);
      }
    });
  });

  for (const negatives of ['pairs', 'batch'] as const) {
    it(`InfoNCE (Eq. 4) with '${negatives}' negatives = direct formula`, async () => {
      initCpu();
      const B = 7;
      const L = 4;
      const tau = 0.3;
      const E = randn(B * L, 9);
      const anchors = Int32Array.from([0, 1, 2]);
      const positives = Int32Array.from([3, 4, 5]);
      const cos = (i: number, j: number) => {
        let s = 0;
        let a = 0;
        let b = 0;
        for (let k = 0; k < L; k++) {
          s += E[i * L + k] * E[j * L + k];
          a += E[i * L + k] ** 2;
          b += E[j * L + k] ** 2;
        }
        return s / Math.sqrt(a * b);
      };
      const psi = (i: number, j: number) => Math.exp(cos(i, j) / tau);
      let ref = 0;
      for (let i = 0; i < 3; i++) {
        const a = anchors[i];
        const p = positives[i];
        let den = psi(a, p);
        const negs = negatives === 'pairs' ? [...positives].filter((r) => r !== p) : [...Array(B).keys()].filter((r) => r !== a && r !== p);
        for (const n of negs) den += psi(a, n);
        ref += -Math.log(psi(a, p) / den) / 3;
      }
      await tidyAsync(async () => {
        const e = leaf(E, [B, L]);
        const loss = infoNCE(e, batchPairs(anchors, positives), tau, negatives);
        expect(await loss.item()).toBeCloseTo(ref, 4);
        // the gradient reaches the codeword embeddings
        const [g] = grad(loss, [e]);
        const gd = await g!.data();
        expect(Math.max(...Array.from(gd, Math.abs))).toBeGreaterThan(1e-4);
      });
    });
  }
});

describe('CRQ-VAE network', () => {
  const cfg = (): CrqVaeConfig => ({ ...CRQ_DEFAULTS, inputDim: 6, hidden: [8], latentDim: 4, levels: 3, codebookSize: 5 });

  it('straight-through: the reconstruction loss reaches encoder and decoder but not the codebooks', async () => {
    initCpu();
    const model = new ResidualVAE(cfg(), rng(3));
    try {
      await tidyAsync(async () => {
        const x = tensor(randn(10 * 6, 4), [10, 6]);
        const out = model.forward(x);
        const names = model.namedParameters().map(([n]) => n);
        const gs = grad(reconLoss(out.xHat, x), model.parameters());
        const got = new Map(names.map((n, i) => [n, gs[i]]));
        expect(got.get('encoder.0.weight')).toBeTruthy();
        expect(got.get('decoder.1.weight')).toBeTruthy();
        expect(got.get('quantizer.codebook_0')).toBeNull();
        const enc = await got.get('encoder.0.weight')!.data();
        expect(Math.max(...Array.from(enc, Math.abs))).toBeGreaterThan(1e-6);
        // the decoder sees ẑ: its input equals the sum of the selected codewords
        let sumE: Tensor = out.q.codewords[0];
        for (const e of out.q.codewords.slice(1)) sumE = (await import('../engine')).add(sumE, e);
        expectClose(await out.q.zHat.data(), await sumE.data(), 1e-6, 1e-6);
      });
    } finally {
      model.dispose();
    }
  });

  it('contrastGrad routes the InfoNCE gradient: codebook only, encoder only, or both (same loss value)', async () => {
    initCpu();
    const values: number[] = [];
    for (const route of ['codebook', 'encoder', 'codebook+encoder'] as const) {
      const model = new ResidualVAE({ ...cfg(), contrastGrad: route }, rng(11));
      try {
        await tidyAsync(async () => {
          const x = tensor(randn(8 * 6, 12), [8, 6]);
          const out = model.forward(x);
          const cont = prefixContrastiveLoss(out.q, batchPairs(Int32Array.from([0, 1, 2]), Int32Array.from([3, 4, 5])), model.cfg)!;
          values.push(await cont.item());
          const named = model.namedParameters();
          const gs = grad(cont, named.map(([, t]) => t));
          const has = (name: string) => {
            const g = gs[named.findIndex(([n]) => n === name)];
            return g !== null;
          };
          expect(has('quantizer.codebook_0')).toBe(route !== 'encoder');
          expect(has('encoder.0.weight')).toBe(route !== 'codebook');
          expect(has('decoder.0.weight')).toBe(false);
          expect(has('quantizer.codebook_2')).toBe(false); // the last level is excluded from Eq. 4
        });
      } finally {
        model.dispose();
      }
    }
    expect(values[1]).toBeCloseTo(values[0], 6);
    expect(values[2]).toBeCloseTo(values[0], 6);
  });

  it('codes follow Eq. 1: each level picks the nearest codeword of the residual', async () => {
    initCpu();
    const c = cfg();
    const model = new ResidualVAE(c, rng(5));
    try {
      await tidyAsync(async () => {
        const x = tensor(randn(9 * 6, 8), [9, 6]);
        const out = model.forward(x);
        for (let d = 0; d < c.levels; d++) {
          const r = await out.q.residuals[d].data();
          const cb = await model.quantizer.codebooks[d].data();
          const codes = await out.q.codes[d].data();
          for (let i = 0; i < 9; i++) {
            let best = 0;
            let bd = Infinity;
            for (let k = 0; k < c.codebookSize; k++) {
              let s = 0;
              for (let j = 0; j < c.latentDim; j++) s += (r[i * 4 + j] - cb[k * 4 + j]) ** 2;
              if (s < bd) {
                bd = s;
                best = k;
              }
            }
            expect(codes[i]).toBe(best);
          }
        }
      });
    } finally {
      model.dispose();
    }
  });
});

describe('CRQ-VAE / RQ-VAE vs the PyTorch reference (fixtures/crqvae.json)', () => {
  const run = async (backend: 'cpu' | 'webgpu', kind: 'crq' | 'rq') => {
    if (backend === 'cpu') initCpu();
    else setBackend(await testGpu());
    const c: CrqVaeConfig = { ...CRQ_DEFAULTS, ...FIX.config };
    const model = new ResidualVAE(c, rng(0));
    try {
      const sd: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (const [k, v] of Object.entries(FIX.weights as Record<string, { shape: number[]; data: number[] }>)) sd[k] = { shape: v.shape, data: Float32Array.from(v.data) };
      model.loadStateDict(sd);
      const ref = FIX.cases[kind];
      await tidyAsync(async () => {
        const x = tensor(Float32Array.from(FIX.x), [FIX.batch, c.inputDim]);
        const out = model.forward(x);
        for (let d = 0; d < c.levels; d++) expect(Array.from(await out.q.codes[d].data())).toEqual(ref.codes[d]);
        const P = FIX.P as number;
        const pairs = batchPairs(Int32Array.from({ length: P }, (_, i) => i), Int32Array.from({ length: P }, (_, i) => P + i));
        const terms = kind === 'crq' ? crqVaeLoss(out, x, c, pairs) : rqVaeLoss(out, x, c);
        expect(await terms.recon.item()).toBeCloseTo(ref.terms.recon, 4);
        expect(await terms.quant.item()).toBeCloseTo(ref.terms.quant, 4);
        if (kind === 'crq') expect(await terms.cont!.item()).toBeCloseTo(ref.terms.cont, 4);
        expect(await terms.total.item()).toBeCloseTo(ref.terms.total, 4);
        const named = model.namedParameters();
        const gs = grad(terms.total, named.map(([, t]) => t));
        for (const [i, [name]] of named.entries()) {
          const want = ref.grads[name] as number[];
          const got = gs[i] ? await gs[i]!.data() : new Float32Array(want.length);
          expectClose(got, want, 2e-4, 2e-3, `${kind} grad ${name}`);
        }
        if (kind === 'crq') {
          // the fixture exercises the level-1 InfoNCE: its gradient into codebook 1 is not zero
          const cb0 = named.find(([nm]) => nm === 'quantizer.codebook_0')![1];
          const g0 = (await grad(terms.cont!, [cb0])[0]!.data()) as Float32Array;
          expect(Math.hypot(...g0)).toBeGreaterThan(1e-3);
        }
      });
    } finally {
      model.dispose();
    }
  };
  it('the fixture is informative: torch version recorded, ≥ 3 distinct level-1 codes, a pair split across level-1 codes', () => {
    expect(typeof FIX.torch).toBe('string');
    const c0 = FIX.cases.crq.codes[0] as number[];
    expect(new Set(c0).size).toBeGreaterThanOrEqual(3);
    const P = FIX.P as number;
    expect(Array.from({ length: P }, (_, i) => c0[i] !== c0[P + i]).some(Boolean)).toBe(true);
  });
  it('CRQ-VAE loss terms, codes and every gradient match PyTorch (CPU)', () => run('cpu', 'crq'));
  it('RQ-VAE loss terms and every gradient match PyTorch (CPU)', () => run('cpu', 'rq'));
  it('CRQ-VAE loss terms and gradients match PyTorch on WebGPU', () => run('webgpu', 'crq'));
});
