import { it } from 'vitest';
import { initCpu } from '../engine';
import { plantedItems } from './planted';
import { splitPairs } from './pairs';
import { trainTokenizer, type DeepPartial, type TrainConfig } from './train';

const tiny = (seed: number, lambda2: number, extra: DeepPartial<TrainConfig> = {}): DeepPartial<TrainConfig> => ({
  seed, steps: 500, lr: 3e-3, batchSize: 64, pairsPerBatch: 24, initBatch: 256, logEvery: 50,
  ...extra,
  model: { codebookSize: 64, latentDim: 8, hidden: [32], lambda2, ...(extra.model ?? {}) },
});
it('scratch', async () => {
  initCpu();
  for (const sched of [{ warmupSteps: 100, lambda2RampSteps: 150, codebookUpdate: 'ema' as const }, { warmupSteps: 100, lambda2RampSteps: 150 }]) {
    for (const seed of [2, 3]) {
      const p = plantedItems({ items: 256, seed, a: 1 });
      const pairs = splitPairs(p.pairs, 0.3, seed);
      const row: string[] = [];
      for (const [kind, l2] of [['rq-vae', 0], ['crq-vae', 0.01], ['crq-vae', 0.3]] as const) {
        const r = await trainTokenizer(kind, p.features, tiny(seed, l2, sched), { pairs, labels: p.group });
        row.push(`${kind}/${l2}: col ${r.metrics.collisionRate.toFixed(3)} κ ${r.metrics.consistencyKappa.toFixed(3)}`);
      }
      console.log(JSON.stringify(sched), seed, row.join(' | '));
    }
  }
}, 900_000);
