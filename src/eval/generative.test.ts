import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend } from '../engine/testing';
import { plantedTask } from '../models/planted';
import { GENERATIVE_MODELS, SID_TOKENIZER, windowsOf } from './generative';
import { HSD_REAL_DATA, REAL_DATA_FEATURES } from '../train/slate-data';
import { modelById } from './registry';

const task = plantedTask({ trainUsers: 40, validUsers: 4, testUsers: 8 });
const train = { nItems: task.n, offsets: task.inputs.sequences.offsets.subarray(0, 41), items: task.inputs.sequences.items.subarray(0, task.inputs.sequences.offsets[40]), sidTable: task.table };

describe('generative Table 1 entries', () => {
  it('windows: the last window of each user validates, training windows end before it; SIDs required', () => {
    const w = windowsOf(train);
    for (let k = 0; k < w.train.user.length; k++) {
      const u = w.train.user[k];
      const vk = Array.from(w.valid.user).indexOf(u);
      expect(w.train.cut[k] + 5).toBeLessThanOrEqual(w.valid.cut[vk]);
    }
    for (let k = 0; k < w.valid.user.length; k++) expect(w.valid.cut[k]).toBe(train.offsets[w.valid.user[k] + 1] - train.offsets[w.valid.user[k]] - 5);
    expect(() => windowsOf({ ...train, sidTable: undefined })).toThrow(/need semantic IDs/);
    expect(GENERATIVE_MODELS.every((e) => e.needsSids && modelById(e.id) === e)).toBe(true);
  });

  it("windows with the protocol's validation slate (Table 1): every training window trains, the slate after them validates", () => {
    // validation CSR = each training sequence + 5 more items (the protocol's validation slate); user 1 has none
    const U = 3, n = [12, 9, 14];
    const offsets = Int32Array.from([0, 12, 21, 35]);
    const items = Int32Array.from({ length: 35 }, (_, i) => i % task.n);
    const vo = Int32Array.from([0, 17, 26, 45]);
    const vi = Int32Array.from({ length: 45 }, (_, i) => (i + 1) % task.n);
    const w = windowsOf({ nItems: task.n, offsets, items, sidTable: task.table, validation: { offsets: vo, items: vi } });
    expect(w.sequences.offsets).toBe(vo);
    expect([...w.valid.user]).toEqual([0, 2]);
    expect([...w.valid.cut]).toEqual([12, 14]);
    for (let u = 0; u < U; u++) {
      const cuts = [...w.train.cut].filter((_, k) => w.train.user[k] === u);
      expect(cuts).toEqual(Array.from({ length: n[u] - 5 }, (_, i) => i + 1)); // cut + 5 <= n: the last training window included
    }
  });

  it('each entry trains (--quick) and returns k distinct slates outside the history', async () => {
    setBackend(cpuBackend);
    const hs = task.cases.map((c) => c.history);
    for (const e of GENERATIVE_MODELS) {
      const m = await e.train(train, { seed: 0, quick: true, overrides: { stepsPerEpoch: 5, validUsers: 8, ...(e.id === 'higr' ? { beam: 5 } : {}) } });
      expect(m.numParameters()).toBeGreaterThan(0);
      // the validation curve of the run lands in the Table 1 run record
      const log = m.trainLog!;
      expect(log.epochsRun).toBeGreaterThanOrEqual(1);
      expect(log.validation.map((v) => v.epoch)).toEqual(Array.from({ length: log.epochsRun }, (_, i) => i + 1));
      expect(log.bestValidation).toBe(Math.max(...log.validation.map((v) => v.score)));
      expect(log.validation.find((v) => v.epoch === log.bestEpoch)!.score).toBe(log.bestValidation);
      const s = await m.slates!(hs, 5);
      s.forEach((x, u) => {
        expect(new Set(x).size).toBe(5);
        for (const it of x) expect([...hs[u]]).not.toContain(it);
      });
      m.dispose?.();
    }
  }, 120_000);

  it("HiGR's row: the real-data default (HSD_REAL_DATA), seed and --higr-<key> overrides; unknown keys are one clear error", () => {
    const e = modelById('higr');
    const st = e.settings({ seed: 3, quick: false }) as Record<string, unknown>;
    expect(st).toMatchObject({ ...HSD_REAL_DATA.train, seed: 3 });
    expect(st.model).toEqual(HSD_REAL_DATA.model);
    expect(e.settings({ seed: 0, quick: false, overrides: { epochs: 2 } })).toMatchObject({ epochs: 2 });
    expect(() => e.settings({ seed: 0, quick: false, overrides: { epoch: 2 } })).toThrow(/--higr-epoch: HiGR takes only its training settings/);
    // one tokenizer for every SID model of the table, with the real-data item features
    expect(SID_TOKENIZER.features).toBe(REAL_DATA_FEATURES);
  });

  it('baselines take the recency / regularisation knobs (recentWindows, dropout, maxHistory, epochs); unknown keys and bad values are one clear error', () => {
    // the recipes chosen on validation (docs/generative-baselines.md): HiGR's recency cut and dropout for all three
    for (const id of ['tiger', 'onerec', 'listcvae']) expect(modelById(id).settings({ seed: 0, quick: false })).toMatchObject({ recentWindows: 20, model: { dropout: 0.4 } });
    const over = { recentWindows: 20, dropout: 0.4, maxHistory: 50, epochs: 3 };
    for (const id of ['tiger', 'onerec', 'listcvae']) {
      const e = modelById(id);
      const st = e.settings({ seed: 1, quick: false, overrides: over }) as Record<string, unknown> & { model: Record<string, unknown> };
      expect(st).toMatchObject({ recentWindows: 20, epochs: 3, seed: 1 });
      expect(st.model).toMatchObject({ dropout: 0.4, maxHistory: 50 });
      expect(() => e.settings({ seed: 0, quick: false, overrides: { recentWindow: 20 } })).toThrow(new RegExp(`--${id}-recentWindow: not a setting of ${id} \\(known: .*recentWindows`));
      expect(() => e.settings({ seed: 0, quick: false, overrides: { dropout: 'high' } })).toThrow(new RegExp(`--${id}-dropout: needs a number \\(got "high"\\)`));
      expect(() => e.settings({ seed: 0, quick: false, overrides: { recentWindows: -1 } })).toThrow(/recentWindows must be an integer >= 0 \(got -1\)/);
      expect(() => e.settings({ seed: 0, quick: false, overrides: { recentWindows: 2.5 } })).toThrow(/recentWindows must be an integer >= 0 \(got 2.5\)/);
      expect(() => e.settings({ seed: 0, quick: false, overrides: { dropout: 1 } })).toThrow(/dropout must be in \[0, 1\) \(got 1\)/);
      expect(() => e.settings({ seed: 0, quick: false, overrides: { maxHistory: 0 } })).toThrow(/maxHistory must be an integer >= 1 \(got 0\)/);
    }
  });

  it('recentWindows reaches the trainer (its checkpoints record the recipe it ran)', async () => {
    setBackend(cpuBackend);
    const e = modelById('listcvae');
    // the recipe the trainer ran with is what its checkpoints record (recentWindows itself: src/train/slate-decoder.test.ts)
    const saves: { config: { recentWindows: number } }[] = [];
    await e.train(train, { seed: 0, quick: true, overrides: { stepsPerEpoch: 5, validUsers: 8, recentWindows: 1 } }, { checkpoints: { every: 2, save: async (c) => void saves.push(c as never) } });
    expect(saves.length).toBeGreaterThan(0);
    expect(saves.every((c) => c.config.recentWindows === 1)).toBe(true);
  }, 60_000);
});
