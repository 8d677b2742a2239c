import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend } from '../engine/testing';
import { trainSlateModel } from '../train/slate-decoder';
import { rng } from './nn';
import { plantedTask, plantedTop1 } from './planted';
import { createTiger, tigerSlates } from './tiger';

const task = plantedTask();

describe('TIGER', () => {
  it('top-5 distinct valid next items outside the history; learns a planted next item better than popularity', async () => {
    setBackend(cpuBackend);
    const m = createTiger({ dim: 16, heads: 2, ffn: 32, encoderLayers: 1, decoderLayers: 1, maxHistory: 12 }, task.table.widths, task.n, rng(2));
    const hs = task.cases.map((c) => c.history);
    const decode = (h: Int32Array[]) => tigerSlates(m, task.lookup, h, { k: 5, beam: 5 });
    const before = await decode(hs);
    before.forEach((s, u) => {
      expect(s.length).toBe(5);
      expect(new Set(s).size).toBe(5);
      for (const it of s) {
        expect(it >= 0 && it < task.n).toBe(true);
        expect([...hs[u]]).not.toContain(it);
      }
    });
    const r0 = plantedTop1(task, before);
    const res = await trainSlateModel(m, task.inputs, { seed: 0, epochs: 2, stepsPerEpoch: 60, batchSize: 32, lr: 1e-2, warmup: 10, validUsers: 0, patience: 0, logEvery: 1 }, { kind: 'tiger', targetLen: 1, slateSize: 5, maxHistory: 12, decode });
    expect(res.curves.epochs[1].trainLoss).toBeLessThan(res.curves.epochs[0].trainLoss);
    // TIGER predicts the next item: its best beam should be the planted successor of the last history item
    const r1 = plantedTop1(task, await decode(hs));
    expect(r1).toBeGreaterThan(task.popularityTop1 + 0.3);
    expect(r1).toBeGreaterThan(r0);
    m.dispose();
  }, 120_000);
});
