// The counting baselines of Table 1 (popularity, last-item co-occurrence) scored on the reference protocol's
// VALIDATION slate (the 5 items before the test slate), fitted on the training part (everything before it), history
// excluded — the same harness as `higr table1` (runTable1). The HSD ablation log (docs/slate-decoder.md) compares its
// validation figures with these. Deterministic, seconds on the CPU backend.
// Usage: node --import tsx --import ./scripts/wgsl-hooks.mjs scripts/runs/valid-baselines.ts [out.json]
// (default docs/results/valid-baselines.json)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { loadBundledDataset } from '../../src/data/bundled';
import { bundledDataDir, nodeFetchLike } from '../../src/data/node-file';
import { REFERENCE_PROTOCOL } from '../../src/data/protocol';
import { leaveSlateOut } from '../../src/data/split';
import { initCpu } from '../../src/engine';
import { evalCases } from '../../src/eval/harness';
import { modelById } from '../../src/eval/registry';
import { runTable1 } from '../../src/eval/table1';

const out = process.argv[2] ?? 'docs/results/valid-baselines.json';
initCpu();
const r = await loadBundledDataset(nodeFetchLike(bundledDataDir()), { protocol: REFERENCE_PROTOCOL, skip: ['big_matrix_positives.txt'] });
const ds = r.build.dataset;
const split = leaveSlateOut(ds);
const { test, valid } = evalCases(ds, split);
if (!valid) throw new Error('valid-baselines: the reference split has no validation slate');
const ids = ['pop', 'cooc'];
const rows = [];
for (const [name, cases] of [['valid', valid], ['test', test]] as const) {
  const res = await runTable1(ds, split, cases, ids.map(modelById), { seeds: [0], quick: false, backend: 'cpu' });
  for (const row of res.rows) rows.push({ split: name, id: row.id, model: row.model, users: res.users, settings: row.settings, ...row.mean });
}
const json = {
  command: 'scripts/runs/valid-baselines.ts',
  protocol: { ...ds.protocol, valid: 'target = the 5 before the test slate; input = everything before it', test: 'target = the last 5; input = everything before them', historyExcluded: true, fittedOn: 'training part (everything before the validation slate)' },
  environment: { backend: 'cpu', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.cpus().length, date: new Date().toISOString() },
  rows,
};
writeFileSync(out, JSON.stringify(json, null, 1) + '\n');
console.log(['| split | model | users | recall@5 | NDCG@5 | hit@5 |', '|---|---|---|---|---|---|', ...rows.map((x) => `| ${x.split} | ${x.model} | ${x.users} | ${x.recall5.toFixed(4)} | ${x.ndcg5.toFixed(4)} | ${x.hit5.toFixed(4)} |`)].join('\n'));
console.log(`wrote ${out}`);
