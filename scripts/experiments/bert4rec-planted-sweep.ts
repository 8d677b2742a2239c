// Trains BERT4Rec on the planted successor chain of src/models/baselines.test.ts (plantedSequences seed 3) once per
// configuration and prints test recall@5 (the test's metric), the popularity bar (+0.1), final loss, wall and CPU seconds;
// each result is appended to the rows of out.json (docs/results/bert4rec-planted.json feeds `npm run docs:bert4rec`).
//   node --import tsx --import ./scripts/wgsl-hooks.mjs scripts/experiments/bert4rec-planted-sweep.ts cpu|wasm out.json '<json cfg>' ['<json cfg>' …]
// Each cfg is merged over the test's former settings (it now trains 200 epochs) ({ maxLen 16, dim 16, blocks 1, heads 2, epochs 30, batchSize 16, lr 5e-3,
// maskProb 0.3, lastMaskShare 0.2, seed 1 }); a "seeds": [..] entry repeats it over seeds.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { initCpu, WasmBackend, loadWasm } from '../../src/engine';
import { setBackend } from '../../src/engine/tensor';
import { evaluateScorer } from '../../src/eval/harness';
import { plantedSequences } from '../../src/eval/planted';
import { scorerOf } from '../../src/eval/table1';
import { trainBERT4Rec } from '../../src/models/bert4rec';
import { trainPopularity } from '../../src/models/popularity';
import type { SeqRecModel } from '../../src/models/seq-rec';

const TEST = { maxLen: 16, dim: 16, blocks: 1, heads: 2, epochs: 30, batchSize: 16, lr: 5e-3, maskProb: 0.3, lastMaskShare: 0.2, seed: 1 };
const [kind, out, ...cfgs] = process.argv.slice(2);
if (!['cpu', 'wasm'].includes(kind) || !out?.endsWith('.json')) {
  console.error('bert4rec-planted-sweep: usage: cpu|wasm out.json \'<json cfg>\' …');
  process.exit(1);
}
const rows: unknown[] = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { rows: unknown[] }).rows : [];
if (kind === 'wasm') setBackend(new WasmBackend(await loadWasm(undefined, { threads: 1 })));
else initCpu();
const data = plantedSequences({ seed: 3 });
const recall = async (m: SeqRecModel) => (await evaluateScorer(scorerOf(m), data.test, { k: 5, excludeHistory: true })).effective.recall;
const pop = await recall(await trainPopularity(data.train));
console.log(`backend ${kind}; popularity recall@5 ${pop.toFixed(3)}; bar ${(pop + 0.1).toFixed(3)}`);
for (const c of cfgs) {
  const { seeds, ...o } = JSON.parse(c) as { seeds?: number[] } & Record<string, number | string>;
  for (const seed of seeds ?? [(o.seed as number) ?? TEST.seed]) {
    const cfg = { ...TEST, ...o, seed };
    const t0 = performance.now(), c0 = process.cpuUsage();
    let last = 0, steps = 0;
    const m = await trainBERT4Rec(data.train, cfg, { onProgress: (p) => void ((last = p.scalars.loss ?? last), (steps = p.step)) });
    const rc = await recall(m);
    const cu = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000, cpu = (cu.user + cu.system) / 1e6;
    rows.push({ backend: kind, settings: { ...o, seed }, recall5: rc, popularity: pop, pass: rc > pop + 0.1, steps, finalLoss: last, wallSeconds: wall, cpuSeconds: cpu, load1: loadavg()[0], date: new Date().toISOString() });
    writeFileSync(out, JSON.stringify({ command: 'scripts/experiments/bert4rec-planted-sweep.ts', data: 'plantedSequences({ seed: 3 })', testSettings: TEST, rows }, null, 1) + '\n');
    console.log(`${rc > pop + 0.1 ? 'PASS' : 'fail'} recall ${rc.toFixed(3)} loss ${last.toFixed(3)} wall ${wall.toFixed(1)} s cpu ${cpu.toFixed(1)} s  ${JSON.stringify({ ...o, seed })}`);
  }
}
