// `npm run docs:bert4rec`: the BERT4Rec figures of docs/evaluation.md, generated from the runs' own files (never typed):
//   - the Table 1 row: docs/results/table1-runs/bert4rec-s*.json (test figures of the best validated weights);
//   - the previous Table 1 row: docs/results/bert4rec-runs/previous/*.json (the run files it was built from);
//   - the screening runs: docs/results/bert4rec-runs/screen/*.json (`higr table1 --models bert4rec --seeds 0
//     --bert4rec-<key> …` cache files; VALIDATION recall@5 only: the settings were chosen on it, their test figures are
//     not shown);
//   - the planted-chain sweep: docs/results/bert4rec-planted.json (scripts/experiments/bert4rec-planted-sweep.ts).
// Prints the tables, writes docs/results/bert4rec.json and rewrites the blocks bert4rec-runs and bert4rec-planted of
// docs/evaluation.md.
import fs from 'node:fs';
import path from 'node:path';
import { f4, isMain, mdTable, mean, modelRuns, readJson, replaceSection, runGenerator, sd } from './docs-section.mjs';

const TABLE1 = 'docs/results/table1-runs';
const PREVIOUS = 'docs/results/bert4rec-runs/previous';
const SCREEN = 'docs/results/bert4rec-runs/screen';
const PLANTED = 'docs/results/bert4rec-planted.json';
const DOC = 'docs/evaluation.md';
const OUT = 'docs/results/bert4rec.json';

function fail(msg) {
  throw new Error(msg);
}
export function build({ root = process.cwd() } = {}) {
  /** Run files of `model` in dir (table1 cache files: `<model>-s<seed>-<key>.json`). */
  function runsIn(dir, model = 'bert4rec') {
    return modelRuns(root, dir, model).map((r) => {
      if (r.model !== model || !r.effective || !r.settings) fail(`${r.file}: not a ${model} table1 run file (model "${r.model}")`);
      return r;
    });
  }
  const row = runsIn(TABLE1), previous = runsIn(PREVIOUS), screen = runsIn(SCREEN).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (!row.length) fail(`no bert4rec run files in ${TABLE1}`);
  const rowSettings = row[0].settings;
  for (const r of row) {
    const { seed: _s, ...a } = r.settings, { seed: _t, ...b } = rowSettings;
    if (JSON.stringify(a) !== JSON.stringify(b)) fail(`${r.file}: settings differ from ${row[0].file} (one Table 1 row has one configuration)`);
  }

  /** A run's settings as the differences from the Table 1 row's (seed aside). */
  const diff = (s) => Object.keys({ ...rowSettings, ...s }).filter((k) => k !== 'seed' && JSON.stringify(s[k]) !== JSON.stringify(rowSettings[k])).map((k) => `${k} ${s[k] ?? '—'}`).join(', ') || 'the Table 1 row';
  const settingsLine = (s) => Object.entries(s).filter(([k]) => k !== 'seed').map(([k, v]) => `${k} ${v}`).join(', ');
  const curve = (r) => (r.trainLog?.validation?.length ? r.trainLog.validation.map((v) => `${v.epoch}: ${v.score.toFixed(3)}`).join(', ') : '—');
  const perEpoch = (r) => (r.trainLog?.epochsRun ? r.trainSeconds / r.trainLog.epochsRun : NaN);
  const epochs = (r) => (r.trainLog ? `${r.trainLog.epochsRun} of ${r.settings.epochs}${r.trainLog.epochsRun < r.settings.epochs ? ' (stopped early)' : ''}` : 'n/a');
  const rel = (r) => r.file;

  // comparison rows: popularity and SASRec from the same committed cache
  const pop = runsIn(TABLE1, 'pop'), sasrec = runsIn(TABLE1, 'sasrec');
  const meanOf = (rs, k) => mean(rs.map((r) => r.effective[k]));
  const ref = [
    ...(pop.length ? [`popularity ${f4(meanOf(pop, 'recall5'))} (${rel(pop[0])})`] : []),
    ...(sasrec.length ? [`SASRec ${f4(meanOf(sasrec, 'recall5'))} ± ${f4(sd(sasrec.map((r) => r.effective.recall5)))} (${sasrec.length} seeds, ${TABLE1}/sasrec-s*.json)`] : []),
  ].join('; ');

  const seedRows = (rs, label) => rs.map((r) => [label, r.seed, epochs(r), r.trainLog?.bestEpoch ?? 'n/a', f4(r.trainLog?.bestValidation), curve(r), f4(r.effective.hit5), f4(r.effective.recall5), f4(r.effective.ndcg5), r.trainSeconds.toFixed(0), perEpoch(r).toFixed(1), rel(r)]);
  const summary = (rs, label) => {
    const m = (k) => `${f4(mean(rs.map((r) => r.effective[k])))} ± ${f4(sd(rs.map((r) => r.effective[k])))}`;
    return [label, rs.map((r) => r.seed).join(', '), f4(mean(rs.map((r) => r.trainLog?.bestValidation ?? NaN))), m('hit5'), m('recall5'), m('ndcg5'), mean(rs.map((r) => r.trainSeconds)).toFixed(0)];
  };
  const groups = [[row, 'Table 1 row (now)'], ...(previous.length ? [[previous, 'previous row']] : [])];
  const t1 = mdTable(['configuration', 'seeds', 'best validation recall@5 (mean)', 'test hit@5', 'test recall@5', 'test NDCG@5', 'train s per seed (mean)'], groups.map(([rs, l]) => summary(rs, l)));
  const t2 = mdTable(['configuration', 'seed', 'epochs run', 'weights of epoch', 'best validation recall@5', 'validation recall@5 by epoch (selects)', 'test hit@5', 'test recall@5', 'test NDCG@5', 'train s', 's per epoch (incl. validation)', 'run file'], groups.flatMap(([rs, l]) => seedRows(rs, l)));
  const t3 = mdTable(['run', 'seed', 'settings (differences from the Table 1 row)', 'epochs run', 'validation recall@5 by epoch', 'best validation recall@5 (epoch)', 'train s', 's per epoch (incl. validation)', 'run file'],
    [...screen.map((r, i) => [`S${i + 1}`, r]), ...row.filter((r) => r.seed === 0).map((r) => [`S${screen.length + 1} = Table 1 row`, r]), ...previous.filter((r) => r.seed === 0).map((r) => ['previous row', r])].map(([id, r]) => [id, r.seed, diff(r.settings), epochs(r), curve(r), `${f4(r.trainLog?.bestValidation)} (${r.trainLog?.bestEpoch ?? 'n/a'})`, r.trainSeconds.toFixed(0), perEpoch(r).toFixed(1), rel(r)]));
  const runsMd = [
    `Table 1 row settings (\`BERT4REC_DEFAULTS\` + Table 1's early stopping, from ${rel(row[0])}): ${settingsLine(rowSettings)}.`,
    `Same protocol, for comparison: ${ref}.${pop.length && sasrec.length ? ` The row's mean test recall@5 is ${(meanOf(row, 'recall5') / meanOf(pop, 'recall5')).toFixed(1)}× popularity's and ${(meanOf(row, 'recall5') / meanOf(sasrec, 'recall5')).toFixed(2)}× SASRec's; it is above popularity on ${row.filter((r) => r.effective.recall5 > meanOf(pop, 'recall5')).length} of ${row.length} seeds and above SASRec's mean on ${row.filter((r) => r.effective.recall5 > meanOf(sasrec, 'recall5')).length} of ${row.length}.` : ''}`,
    t1,
    'Per seed (test figures of the best validated weights):',
    t2,
    `Screening (seed 0, validation only — how the settings were chosen; their test figures are not read):`,
    t3,
  ].join('\n\n');

  // the planted-chain sweep
  let plantedMd = `(no ${PLANTED})`, planted = null;
  if (fs.existsSync(path.join(root, PLANTED))) {
    planted = readJson(path.join(root, PLANTED));
    if (!Array.isArray(planted.rows)) fail(`${PLANTED}: no rows[]`);
    const key = (r) => `${r.backend} ${JSON.stringify(Object.fromEntries(Object.entries(r.settings).filter(([k]) => k !== 'seed')))}`;
    const g = new Map();
    for (const r of planted.rows) g.set(key(r), [...(g.get(key(r)) ?? []), r]);
    const bar = planted.rows[0] ? f4(planted.rows[0].popularity + 0.1) : 'n/a';
    plantedMd = [
      `The sweep's base settings (the test's before this change; it now trains 200 epochs): ${settingsLine(planted.testSettings)} (each row changes only what it names); popularity recall@5 ${planted.rows[0] ? f4(planted.rows[0].popularity) : 'n/a'}, the bar (popularity + 0.1) ${bar}; CPU s = the process's CPU time (≈ wall time on a quiet machine; single-threaded).`,
      mdTable(['backend', 'changes from the base settings', 'steps', 'seeds passed', 'recall@5 per seed', 'final loss per seed', 'CPU s per seed (mean)', 'wall s per seed (mean, host load)'],
        [...g.values()].map((rs) => {
          const { seed: _s, ...o } = rs[0].settings;
          return [rs[0].backend, Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || '(none)', rs[0].steps, `${rs.filter((r) => r.pass).length} of ${rs.length}`, rs.map((r) => `${r.settings.seed}: ${r.recall5.toFixed(3)}`).join(', '), rs.map((r) => r.finalLoss.toFixed(2)).join(', '), mean(rs.map((r) => r.cpuSeconds)).toFixed(1), `${mean(rs.map((r) => r.wallSeconds)).toFixed(1)} (${mean(rs.map((r) => r.load1)).toFixed(0)})`];
        })),
    ].join('\n\n');
  }

  const pack = (rs) => rs.map((r) => ({ file: rel(r), seed: r.seed, settings: r.settings, effective: r.effective, trainSeconds: r.trainSeconds, trainLog: r.trainLog ?? null, backend: r.backend, createdAt: r.createdAt }));
  const json = JSON.stringify({ command: 'docs:bert4rec', table1: { settings: rowSettings, runs: pack(row) }, previous: pack(previous), screening: pack(screen), planted }, null, 1) + '\n';
  let doc = fs.readFileSync(path.join(root, DOC), 'utf8');
  doc = replaceSection(doc, 'bert4rec-runs', runsMd, { generator: 'docs:bert4rec', sources: `${TABLE1}, ${PREVIOUS} and ${SCREEN}`, file: DOC });
  doc = replaceSection(doc, 'bert4rec-planted', plantedMd, { generator: 'docs:bert4rec', sources: PLANTED, file: DOC });
  return { outputs: { [OUT]: json, [DOC]: doc }, log: runsMd + '\n\n' + plantedMd };
}

if (isMain(import.meta.url)) await runGenerator('docs:bert4rec', build);
