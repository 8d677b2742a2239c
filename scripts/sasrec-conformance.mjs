// `npm run docs:sasrec-conformance`: issue 18's conformance check of our SASRec against the pmixer/SASRec.pytorch
// reference, generated from the runs' own cache files (never typed): the Table 1 runs of `sasrec` and
// `sasrec-pmixer` (docs/results/table1-runs/) and the cause-separation runs (docs/results/sasrec-conformance-runs/,
// written by `higr table1 --cache docs/results/sasrec-conformance-runs …`). Prints the tables, writes
// docs/results/sasrec-conformance.json and rewrites the block between <!-- sasrec-conformance:begin --> and
// <!-- sasrec-conformance:end --> of docs/evaluation.md.
import fs from 'node:fs';
import path from 'node:path';
import { f4, isMain, mdTable, mean, replaceSection, runGenerator, sd } from './docs-section.mjs';

const RUN_DIRS = ['docs/results/table1-runs', 'docs/results/sasrec-conformance-runs'];
const DOC = 'docs/evaluation.md';
const OUT = 'docs/results/sasrec-conformance.json';
// issue 18: pmixer/SASRec.pytorch, unmodified, 3 seeds, on the reference protocol (measured with code we did not write)
export const REFERENCE = { recall5: { mean: 0.0961, std: 0.0037 }, ndcg5: { mean: 0.1107, std: 0.0048 } };
const BAND = 0.1;

export function build({ root = process.cwd() } = {}) {
  const runs = [];
  for (const [di, dir] of RUN_DIRS.entries()) {
    if (!fs.existsSync(path.join(root, dir))) continue;
    for (const f of fs.readdirSync(path.join(root, dir)).filter((x) => /^sasrec(-pmixer)?-s\d+-[0-9a-f]+\.json$/.test(x) || (dir !== RUN_DIRS[0] && x.endsWith('.json')))) {
      const file = path.join(dir, f);
      const j = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
      if (!j.effective || !j.settings || !String(j.model).startsWith('sasrec')) throw new Error(`${file}: not a SASRec table1 run file (model "${j.model}")`);
      runs.push({ file, di, ...j });
    }
  }
  if (!runs.length) throw new Error(`no SASRec run files in ${RUN_DIRS.join(' or ')}`);

  const band = (k, x) => {
    const lo = REFERENCE[k].mean * (1 - BAND), hi = REFERENCE[k].mean * (1 + BAND);
    const pct = ((x / REFERENCE[k].mean - 1) * 100).toFixed(0);
    return `${x >= lo && x <= hi ? 'in' : 'OUT'} (${Number(pct) >= 0 ? '+' : ''}${pct}%)`;
  };
  /** The configuration a run trained under, from its recorded settings. */
  function config(r) {
    const s = r.settings;
    const selection = s.evalEvery > 0 ? `best validated epoch (every ${s.evalEvery}, patience ${s.patience})` : 'last epoch';
    return [
      `block ${s.block ?? 'original'}`,
      `timeline mask ${s.timelineMask ?? true}`,
      `padding keys ${s.maskPaddingKeys ? 'masked' : 'visible'}`,
      `dropout ${s.dropout} (attention too)`,
      `maxLen ${s.maxLen}`,
      `≤ ${s.epochs} epochs`,
      `weights: ${selection}`,
    ].join(' · ');
  }
  const groups = new Map();
  for (const r of runs.sort((a, b) => a.di - b.di || a.model.localeCompare(b.model) || a.seed - b.seed)) {
    const c = `${r.model}: ${config(r)}`;
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c).push(r);
  }

  const perSeed = [], summary = [], cfgs = [];
  let gi = 0;
  for (const [c, rs] of groups) {
    const id = String.fromCharCode(65 + gi++);
    for (const r of rs) {
      const tl = r.trainLog;
      const trace = tl?.trace?.map((t) => `${t.epoch}: ${t.testRecall5.toFixed(3)}/${t.testNdcg5.toFixed(3)}`).join(', ') ?? '—';
      const valid = tl?.validation?.length ? tl.validation.map((v) => `${v.epoch}: ${v.score.toFixed(3)}`).join(', ') : '—';
      perSeed.push([id, r.seed, tl ? `${tl.epochsRun}${tl.stoppedEarly ? ' (stopped early)' : ''}` : 'n/a', tl ? tl.bestEpoch : 'n/a', f4(r.effective.recall5), band('recall5', r.effective.recall5), f4(r.effective.ndcg5), band('ndcg5', r.effective.ndcg5), valid, trace, r.trainSeconds.toFixed(0), path.relative('.', r.file)]);
    }
    const rec = rs.map((r) => r.effective.recall5), nd = rs.map((r) => r.effective.ndcg5);
    summary.push([id, c, rs.map((r) => r.seed).join(', '), `${f4(mean(rec))} ± ${f4(sd(rec))}`, band('recall5', mean(rec)), `${f4(mean(nd))} ± ${f4(sd(nd))}`, band('ndcg5', mean(nd))]);
    cfgs.push({ id, configuration: c, model: rs[0].model, settings: rs[0].settings, seeds: rs.map((r) => r.seed), recall5: { mean: mean(rec), std: sd(rec) }, ndcg5: { mean: mean(nd), std: sd(nd) }, runs: rs.map((r) => ({ seed: r.seed, file: path.relative('.', r.file), effective: r.effective, trainSeconds: r.trainSeconds, backend: r.backend, createdAt: r.createdAt, trainLog: r.trainLog ?? null })) });
  }
  const refLine = `Reference (issue 18, pmixer/SASRec.pytorch unmodified, 3 seeds): recall@5 ${REFERENCE.recall5.mean} ± ${REFERENCE.recall5.std}, NDCG@5 ${REFERENCE.ndcg5.mean} ± ${REFERENCE.ndcg5.std}; the ±${BAND * 100}% band: recall@5 ${f4(REFERENCE.recall5.mean * (1 - BAND))}–${f4(REFERENCE.recall5.mean * (1 + BAND))}, NDCG@5 ${f4(REFERENCE.ndcg5.mean * (1 - BAND))}–${f4(REFERENCE.ndcg5.mean * (1 + BAND))}.`;
  const t1 = mdTable(['id', 'configuration', 'seeds', 'recall@5', 'vs band', 'NDCG@5', 'vs band'], summary);
  const t2 = mdTable(['id', 'seed', 'epochs run', 'weights of epoch', 'recall@5', 'vs band', 'NDCG@5', 'vs band', 'validation recall@5 by epoch (selects, when on)', 'test recall@5/NDCG@5 by epoch (diagnostic trace, never selects)', 'train s', 'run file'], perSeed);
  const md = `${refLine}\n\n${t1}\n\nPer seed:\n\n${t2}`;
  const json = JSON.stringify({ command: 'docs:sasrec-conformance', reference: REFERENCE, band: BAND, runDirs: RUN_DIRS, configurations: cfgs }, null, 1) + '\n';
  const text = fs.readFileSync(path.join(root, DOC), 'utf8');
  const doc = replaceSection(text, 'sasrec-conformance', md, { generator: 'docs:sasrec-conformance', sources: RUN_DIRS.join(' and '), file: DOC });
  return { outputs: { [OUT]: json, [DOC]: doc }, log: md };
}

if (isMain(import.meta.url)) await runGenerator('docs:sasrec-conformance', build);
