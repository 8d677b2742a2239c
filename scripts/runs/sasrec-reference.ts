// SASRec reference check (issue 18): BCE + 1 negative on the reference protocol, CPU backend; validation recall every 10
// epochs, test once at the end. Usage: node --import tsx --import ./scripts/wgsl-hooks.mjs scripts/runs/sasrec-reference.ts <epochs> <maxLen> [seed] [outDir]
import { loadBundledDataset } from '../../src/data/bundled';
import { bundledDataDir, nodeFetchLike } from '../../src/data/node-file';
import { REFERENCE_PROTOCOL } from '../../src/data/protocol';
import { leaveSlateOut, trainingSequences } from '../../src/data/split';
import { evalCases, evaluateScorer } from '../../src/eval/harness';
import { trainSASRec } from '../../src/models/sasrec';
import { initCpu } from '../../src/engine';
import { writeFileSync } from 'node:fs';
initCpu();
const r = await loadBundledDataset(nodeFetchLike(bundledDataDir()), { protocol: REFERENCE_PROTOCOL, skip: ['big_matrix_positives.txt'] });
const ds = r.build.dataset;
const split = leaveSlateOut(ds);
const tr = { nItems: ds.itemIds.length, ...trainingSequences(ds, split) };
const { test, valid } = evalCases(ds, split);
const epochs = Number(process.argv[2]), maxLen = Number(process.argv[3]), seed = Number(process.argv[4] ?? 0);
const t0 = performance.now();
const log: unknown[] = [];
const m = await trainSASRec(tr, { epochs, maxLen, seed }, {
  onProgress: (p) => { if (p.step % 8 === 0) console.log(`step ${p.step}/${p.total} epoch ${p.scalars.epoch} loss ${p.scalars.loss.toFixed(4)} ${((performance.now() - t0) / 1000).toFixed(0)}s`); },
  onEpoch: async (ep: number, model: any) => {
    if (ep % 10 !== 0) return;
    const v = await evaluateScorer({ nItems: model.nItems, score: (b) => model.score(b.map((c) => c.history)) }, valid!);
    console.log(`VALID epoch ${ep}`, JSON.stringify(v.effective), `${((performance.now() - t0) / 1000).toFixed(0)}s`);
    log.push({ ep, valid: v.effective });
  },
} as any);
const trainSeconds = (performance.now() - t0) / 1000;
const res = await evaluateScorer({ nItems: m.nItems, score: (b) => m.score(b.map((c) => c.history)) }, test);
console.log('TEST', JSON.stringify(res.effective), 'trainSeconds', trainSeconds, 'params', m.numParameters());
writeFileSync(`${process.argv[5] ?? "/tmp"}/sasrec-e${epochs}-L${maxLen}-s${seed}.json`, JSON.stringify({ epochs, maxLen, seed, trainSeconds, params: m.numParameters(), test: res.effective, log, perUser: res.perUser.effective }));
