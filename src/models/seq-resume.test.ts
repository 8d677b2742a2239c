// The sequence baselines resume mid-training (runEpochs' SeqCheckpoint through TrainControl.checkpoints, the hooks the
// stage runner gives every resumable model): a run cut at step k — stopped there, or crashed after any saved
// checkpoint, mid-epoch or at an epoch's start — and resumed ends with bit-identical weights, validation history,
// early-stopping state and progress to an uninterrupted run on the same backend (CPU reference here).
import { beforeAll, describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { evaluateScorer } from '../eval/harness';
import { plantedSequences } from '../eval/planted';
import { scorerOf } from '../eval/table1';
import { trainBERT4Rec } from './bert4rec';
import { trainHSTU } from './hstu';
import { trainSASRec } from './sasrec';
import type { SeqCheckpoint, SeqRecModel, SeqTrainInputs, TrainControl } from './seq-rec';

const data = plantedSequences({ seed: 3, trainUsers: 40, length: 14, nItems: 60 });
// validation cases from other users of the same chain (never the cases a model is scored on)
const valid = plantedSequences({ seed: 3, trainUsers: 0, testUsers: 16, length: 14, nItems: 60 }).test;

type Train = (i: SeqTrainInputs, cfg: Record<string, unknown>, ctl: TrainControl) => Promise<SeqRecModel>;
// 40 users / batch 12 = 4 steps per epoch, 4 epochs; validation every epoch with patience 2 (early stop may happen),
// a diagnostic trace every 2 epochs, dropout on (seeded by step): every piece of state a resume must restore
const RUNS: [string, Train, Record<string, unknown>][] = [
  ['SASRec', trainSASRec as Train, { dropout: 0.2 }],
  ['BERT4Rec', trainBERT4Rec as Train, { dropout: 0.2, heads: 2, windows: 'sliding', maxLen: 10 }],
  ['HSTU', trainHSTU as Train, { dropout: 0.2, negatives: 16 }],
];
const base = { maxLen: 12, dim: 8, blocks: 1, epochs: 4, batchSize: 12, lr: 5e-3, evalEvery: 1, patience: 2, traceEvery: 2, seed: 7 };

const validate = async (m: SeqRecModel) => (await evaluateScorer(scorerOf(m), valid, { k: 5, excludeHistory: true })).effective.recall;
const trace = async (m: SeqRecModel) => ({ r: (await evaluateScorer(scorerOf(m), data.test.slice(0, 8), { k: 5, excludeHistory: true })).effective.recall });

interface Outcome {
  weights: Record<string, number[]>;
  log: SeqRecModel['trainLog'];
  steps: number[];
  losses: number[];
  saved: SeqCheckpoint[];
}

async function train(fn: Train, cfg: Record<string, unknown>, o: { resume?: SeqCheckpoint; stopAt?: number; every?: number } = {}): Promise<Outcome> {
  const ac = new AbortController();
  const out: Outcome = { weights: {}, log: undefined, steps: [], losses: [], saved: [] };
  const ctl: TrainControl = {
    signal: ac.signal,
    validate,
    trace,
    onProgress: (p) => {
      if (p.scalars.loss !== undefined) out.steps.push(p.step), out.losses.push(p.scalars.loss);
      if (p.step === o.stopAt) ac.abort();
    },
    checkpoints: { every: o.every ?? 2, resume: o.resume, save: async (c) => void out.saved.push(structuredClone(c as SeqCheckpoint)) },
  };
  let m: SeqRecModel;
  try {
    m = await fn(data.train, cfg, ctl);
  } catch (e) {
    if (o.stopAt !== undefined && /cancelled/.test((e as Error).message)) return out;
    throw e;
  }
  const sd = await m.stateDict!();
  for (const [k, v] of Object.entries(sd)) out.weights[k] = Array.from(v.data);
  out.log = m.trainLog;
  return out;
}

beforeAll(() => initCpu());

describe('sequence baselines resume from a checkpoint bit-identically', () => {
  for (const [name, fn, extra] of RUNS) {
    it(`${name}: stopped at step k, or crashed after any saved checkpoint, then resumed = the uninterrupted run`, async () => {
      const cfg = { ...base, ...extra };
      const straight = await train(fn, cfg);
      const total = straight.steps[straight.steps.length - 1];
      expect(straight.steps).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(straight.log!.validation.length).toBeGreaterThan(1);
      expect(straight.log!.trace!.length).toBeGreaterThan(0);
      // checkpoints at most `every` steps apart, some mid-epoch (user order drawn) and some at an epoch's start
      const saved = straight.saved;
      expect(saved.length).toBeGreaterThan(1);
      expect(saved.every((c) => c.kind === 'seq-rec' && c.model === name && c.step > 0 && c.step < total)).toBe(true);
      expect(saved.some((c) => c.ordered && c.batch > 0)).toBe(true);
      expect(saved.some((c) => !c.ordered && c.batch === 0)).toBe(true);

      // 1) stopped at step 5 (mid-epoch 2): the loop saves its exact state, the resumed run continues at step 6
      const cut = await train(fn, cfg, { stopAt: 5 });
      expect(cut.steps).toEqual([1, 2, 3, 4, 5]);
      const last = cut.saved[cut.saved.length - 1];
      expect(last.step).toBe(5);
      const resumed = await train(fn, cfg, { resume: last });
      expect(resumed.steps[0]).toBe(6);
      expect([...cut.losses, ...resumed.losses]).toEqual(straight.losses);
      expect(resumed.weights).toEqual(straight.weights);
      expect(resumed.log).toEqual(straight.log);

      // 2) a crash (reload, lost device) after each periodic checkpoint: resumed from it, the same end
      for (const c of saved) {
        const r = await train(fn, cfg, { resume: c });
        expect(r.steps[0]).toBe(c.step + 1);
        expect(r.losses).toEqual(straight.losses.slice(c.step));
        expect(r.weights).toEqual(straight.weights);
        expect(r.log).toEqual(straight.log);
      }
    }, 300_000);
  }

  it('refuses a checkpoint of another model or of other inputs, naming both', async () => {
    const s = await train(trainSASRec as Train, base);
    const ck = s.saved[0];
    await expect(train(trainHSTU as Train, base, { resume: ck })).rejects.toThrow(/HSTU: the checkpoint holds a SASRec run, not HSTU/);
    const fewer = { ...data.train, offsets: data.train.offsets.subarray(0, 31) };
    await expect(trainSASRec(fewer, base, { checkpoints: { every: 3, resume: ck, save: async () => {} } })).rejects.toThrow(/SASRec: the checkpoint was taken with 40 training users, the inputs have 30/);
  }, 120_000);
});
