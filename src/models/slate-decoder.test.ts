import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { grad, setBackend, tidyAsync, type Backend } from '../engine';
import { cpuBackend, expectClose, testGpu } from '../engine/testing';
import { historyBatch } from './context-encoder';
import { AdamW, rng, type StateDict } from './nn';
import { countParameters, hsdConfig, HierarchicalSlateDecoder, type HsdConfig } from './slate-decoder';

const widths = [4, 3, 2];
const nItems = 12;
// item i has SID (i % 4, (i >> 2) % 3, i >= 12 ? 1 : 0): unique for 12 items
const codes = Int32Array.from({ length: nItems * 3 }, (_, k) => {
  const i = Math.floor(k / 3), l = k % 3;
  return l === 0 ? i % 4 : l === 1 ? (i >> 2) % 3 : 0;
});
const tiny: Partial<HsdConfig> = { dim: 16, heads: 2, ffn: 24, encoderLayers: 1, slateLayers: 2, itemLayers: 1, slateSize: 3, maxSlate: 4, maxHistory: 6 };

describe('HierarchicalSlateDecoder', () => {
  it('parameter count matches countParameters for the paper defaults and every ablation', () => {
    setBackend(cpuBackend);
    for (const p of [{}, { itemIdEmbedding: false }, { preference: false }, { sharedGenerator: false }, { pooling: 'max' as const }, { ffnKind: 'gelu' as const }]) {
      const m = new HierarchicalSlateDecoder({ ...tiny, ...p }, widths, nItems, rng(0));
      expect(m.numParameters()).toBe(countParameters(hsdConfig({ ...tiny, ...p }), widths, nItems));
      m.dispose();
    }
    expect(() => hsdConfig({ dim: 10, heads: 3 })).toThrow(/heads 3 must divide dim 10/);
    expect(() => hsdConfig({ maxSlate: 11 })).toThrow(/maxSlate/);
    expect(() => hsdConfig({ dim: 1e8 })).toThrow(/dim must be <= 8192 \(got 100000000\)/);
  });

  it('loss is finite, every used parameter gets a gradient, and a few AdamW steps fit a fixed batch', async () => {
    setBackend(cpuBackend);
    for (const p of [{}, { sharedGenerator: false, pooling: 'mean' as const }, { preference: false }]) {
      const m = new HierarchicalSlateDecoder({ ...tiny, ...p }, widths, nItems, rng(1));
      const hist = [[0, 1, 2, 3], [5, 6], [7, 8, 9, 10, 11, 0, 1]];
      const targets = [[4, 5, 6], [1, 2, 3], [2, 3, 4]];
      const h = historyBatch(hist, codes, m.sid, 6);
      expect(h.T).toBe(6);
      const tc = Int32Array.from(targets.flatMap((t) => t.flatMap((i) => [...codes.subarray(i * 3, i * 3 + 3)])));
      const opt = new AdamW(m.parameters(), { lr: 1e-2, weightDecay: 0 });
      const losses: number[] = [];
      for (let s = 0; s < 40; s++) {
        await tidyAsync(async () => {
          const { loss } = m.loss(h, tc);
          const g = grad(loss, m.parameters());
          if (s === 0) {
            // every parameter gets a gradient, except (without the preference embedding) those only the planner uses
            const none = m.namedParameters().filter((_, i) => !g[i]).map(([n]) => n);
            const expected = m.namedParameters().map(([n]) => n).filter((n) =>
              (p.preference === false && /^(planner\d+\.|planner_norm\.|projector\.|bos$|slot_pos\.)/.test(n)));
            expect(none).toEqual(expected);
          }
          opt.step(g);
          losses.push(await loss.item());
        });
      }
      if (process.env.HSD_DEBUG) console.log(JSON.stringify(p), losses.map((x) => x.toFixed(2)).join(" "));
      expect(Number.isFinite(losses[0])).toBe(true);
      // 3 slots × 3 levels of ~uniform CE ≈ 9·ln(3) at the start; a fixed batch is memorised
      if (p.preference === false) {
        // without î_m every slot's generator input is identical: it can only learn the users' slot-averaged SIDs
        expect(losses[39]).toBeLessThan(losses[0] * 0.5);
        expect(losses[39]).toBeGreaterThan(2);
      } else expect(losses[39]).toBeLessThan(0.1);
      opt.dispose();
      m.dispose();
    }
  });
});

interface Fx {
  config: HsdConfig & { widths: number[]; numItems: number };
  codes: number[];
  histories: number[][];
  batch: { B: number; T: number; sid: number[]; item: number[]; pos: number[]; mask: number[] };
  targetCodes: number[];
  params: Record<string, { shape: number[]; data: number[] }>;
  logits: number[][];
  loss: number;
  grad_params: Record<string, number[]>;
}
const fx = JSON.parse(readFileSync(new URL('../../fixtures/slate_decoder.json', import.meta.url), 'utf8')) as Fx;

async function againstTorch(be: Backend) {
  setBackend(be);
  const { widths, numItems, ...cfg } = fx.config;
  const m = new HierarchicalSlateDecoder({ ...cfg, itemIdEmbedding: true }, widths, numItems, rng(0));
  const sd: StateDict = {};
  for (const [k, v] of Object.entries(fx.params)) sd[k] = { shape: v.shape, data: Float32Array.from(v.data) };
  expect(m.namedParameters().map(([n]) => n).sort()).toEqual(Object.keys(fx.params).sort());
  m.loadStateDict(sd);
  // our host-side batch builder gives the fixture's padded arrays
  const h = historyBatch(fx.histories, Int32Array.from(fx.codes), m.sid, cfg.maxHistory);
  expect({ B: h.B, T: h.T, sid: [...h.sid], item: [...h.item], pos: [...h.pos], mask: [...h.mask] }).toEqual(fx.batch);
  await tidyAsync(async () => {
    const { loss, logits } = m.loss(h, Int32Array.from(fx.targetCodes));
    const g = grad(loss, m.parameters());
    expect(await loss.item()).toBeCloseTo(fx.loss, 3);
    for (let l = 0; l < logits.length; l++) expectClose(await logits[l].data(), fx.logits[l], 1e-4, 1e-3, `${be.kind} logits level ${l}`);
    const named = m.namedParameters();
    for (let i = 0; i < named.length; i++) expectClose(await g[i]!.data(), fx.grad_params[named[i][0]], 2e-4, 2e-3, `${be.kind} grad ${named[i][0]}`);
  });
  m.dispose();
}

describe('HierarchicalSlateDecoder dropout (training only)', () => {
  it('drops input embeddings in the training loss only: seeded by the step, identity without a step or with p = 0', async () => {
    setBackend(cpuBackend);
    const hist = [[0, 1, 2, 3], [5, 6], [7, 8, 9, 10, 11, 0, 1]];
    const targets = [[4, 5, 6], [1, 2, 3], [2, 3, 4]];
    const tc = Int32Array.from(targets.flatMap((t) => t.flatMap((i) => [...codes.subarray(i * 3, i * 3 + 3)])));
    const plain = new HierarchicalSlateDecoder(tiny, widths, nItems, rng(2));
    const drop = new HierarchicalSlateDecoder({ ...tiny, dropout: 0.3 }, widths, nItems, rng(2));
    const h = historyBatch(hist, codes, plain.sid, 6);
    const loss = (m: HierarchicalSlateDecoder, extra?: { step: number }) => tidyAsync(async () => m.loss(h, tc, extra).loss.item());
    const base = await loss(plain);
    // p = 0: the step changes nothing; p > 0 without a step (evaluation): the same weights give the same loss
    expect(await loss(plain, { step: 3 })).toBe(base);
    expect(await loss(drop)).toBe(base);
    // p > 0 in training: a different loss, reproducible for a step, another mask for another step
    const d3 = await loss(drop, { step: 3 });
    expect(d3).not.toBe(base);
    expect(await loss(drop, { step: 3 })).toBe(d3);
    expect(await loss(drop, { step: 4 })).not.toBe(d3);
    expect(() => hsdConfig({ dropout: 1 })).toThrow(/dropout must be in \[0, 1\) \(got 1\)/);
    plain.dispose();
    drop.dispose();
  });
});

describe('HierarchicalSlateDecoder vs PyTorch (fixtures/slate_decoder.json: encoder 1 + planner 2 + generator 1 blocks)', () => {
  it('logits, loss and every parameter gradient on the CPU reference', async () => againstTorch(cpuBackend));
  it('logits, loss and every parameter gradient on WebGPU', async () => againstTorch(await testGpu()));
});
