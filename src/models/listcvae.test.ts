import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend } from '../engine/testing';
import { trainSlateModel } from '../train/slate-decoder';
import { ListCvae } from './listcvae';
import { rng } from './nn';
import { plantedRecall5, plantedTask } from './planted';

const task = plantedTask();

describe('ListCVAE', () => {
  it('distinct slates outside the history; finite ELBO; learns a planted pattern better than popularity', async () => {
    setBackend(cpuBackend);
    const m = new ListCvae({ dim: 16, latent: 8, hidden: 48, slateSize: 5, maxHistory: 12, klWarmup: 50 }, task.table.widths, task.n, rng(3));
    const hs = task.cases.map((c) => c.history);
    const decode = (h: Int32Array[]) => m.slates(h);
    const r0 = plantedRecall5(task, await decode(hs));
    const res = await trainSlateModel(m, task.inputs, { seed: 0, epochs: 2, stepsPerEpoch: 80, batchSize: 32, lr: 5e-3, warmup: 10, validUsers: 0, patience: 0, logEvery: 1 }, { kind: 'listcvae', targetLen: 5, slateSize: 5, maxHistory: 12, decode });
    for (const e of res.curves.epochs) expect(Number.isFinite(e.trainLoss)).toBe(true);
    expect(res.curves.epochs[1].trainLoss).toBeLessThan(res.curves.epochs[0].trainLoss);
    const after = await decode(hs);
    after.forEach((s, u) => {
      expect(new Set(s).size).toBe(5);
      for (const it of s) expect([...hs[u]]).not.toContain(it);
    });
    const r1 = plantedRecall5(task, after);
    expect(r1).toBeGreaterThan(task.popularityRecall5 + 0.2);
    expect(r1).toBeGreaterThan(r0);
    await expect(m.slates(hs.slice(0, 1), 6)).rejects.toThrow(/slate length 6/);
    m.dispose();
  }, 120_000);
});
