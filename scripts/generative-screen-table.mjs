// `npm run docs:generative-screen`: the recipe screening of the generative baselines (TIGER, OneRec-style, ListCVAE) in
// docs/generative-baselines.md, generated from committed JSON, never typed:
//   - docs/results/generative-screen/<run>.json: `higr table1 --split valid` results (the validation slates only; no
//     test figure exists for these runs), one (model, setting) each, seed 0;
//   - docs/results/bench-decode-old-recipes.json (bench:decode's run of 2026-12-01 15:48 UTC, before the recipe changes): the trainer's validation curve of its OneRec-style decoder, when it was trained
//     with the recipe before the screening (every window);
//   - docs/results/table1-runs/<model>-s<N>-*.json (the Table 1 runs of the current recipe, test slates) against
//     docs/results/generative-screen/superseded/<model>-s<N>-*.json (the runs of the recipe before it).
// Rewrites the blocks generative-screen and generative-rows of docs/generative-baselines.md.
import fs from 'node:fs';
import path from 'node:path';
import { f4, isMain, mdTable, meanSd, modelRuns, readJson, replaceSection, runGenerator } from './docs-section.mjs';

const DIR = 'docs/results/generative-screen';
const SUPERSEDED = `${DIR}/superseded`;
const TABLE1 = 'docs/results/table1-runs';
const BENCH = 'docs/results/bench-decode-old-recipes.json'; // bench:decode's run before the recipe changes (kept: its flat decoder is the old OneRec-style recipe)
const DOC = 'docs/generative-baselines.md';
const MODELS = ['tiger', 'onerec', 'listcvae'];

const recipeOf = (st) => {
  const m = st.model ?? {};
  return [
    st.recentWindows ? `last ${st.recentWindows} windows/user` : 'all windows',
    `dropout ${m.dropout ?? 0}`,
    `history ${m.maxHistory}`,
    `≤ ${st.epochs}×${st.stepsPerEpoch} steps${st.patience ? ` (patience ${st.patience})` : ''}`,
  ].join(', ');
};

export function build({ root = process.cwd() } = {}) {
  const at = (f) => path.join(root, f);
  const files = fs.existsSync(at(DIR)) ? fs.readdirSync(at(DIR)).filter((f) => f.endsWith('.json')).sort() : [];
  if (!files.length) throw new Error(`${DIR}: no screening results (*.json)`);
  const screen = files.map((f) => {
    const j = readJson(at(path.join(DIR, f)));
    if (j.command !== 'table1' || j.protocol?.split !== 'valid' || j.rows?.length !== 1) throw new Error(`${path.join(DIR, f)}: not a one-model \`higr table1 --split valid\` result`);
    const r = j.rows[0];
    const log = r.trainLogs?.[0] ?? null;
    const row = [f.replace(/\.json$/, ''), r.model, recipeOf(r.settings), r.params, r.seeds.join(', '), log ? `${log.bestEpoch}/${log.epochsRun}` : 'n/a', log ? log.validation.map((v) => v.score.toFixed(3)).join(' ') : 'n/a', `**${f4(r.mean.recall5)}**`, f4(r.mean.ndcg5), j.protocol.users, r.trainSeconds.toFixed(0), r.backend];
    return { model: r.id, row };
  });
  // the OneRec-style decoder of the committed bench:decode run, when trained with the recipe before the screening
  // (every window; seed 0, the same SIDs and 300 validation users): its trainer curve (no 927-user figure exists)
  if (fs.existsSync(at(BENCH))) {
    const j = readJson(at(BENCH));
    const t = j.settings?.train?.onerec, c = j.training?.onerec;
    if (t && c && !t.recentWindows) {
      const curve = c.validRecall5;
      screen.push({ model: 'onerec', row: [`${BENCH} (its OneRec-style training)`, 'OneRec-style flat decoder', recipeOf({ ...t, model: { ...j.settings.model, dropout: 0 } }), j.params.onerec, j.seed, `${c.bestEpoch}/${curve.length}`, curve.map((v) => v.toFixed(3)).join(' '), 'n/a', 'n/a', 'n/a', c.seconds.toFixed(0), 'wasm'] });
    }
  }
  screen.sort((a, b) => MODELS.indexOf(a.model) - MODELS.indexOf(b.model));
  const sHead = ['run', 'model', 'recipe', 'params', 'seed', 'best epoch / run', 'trainer validation recall@5 per epoch (300 users)', 'validation recall@5 (kept weights)', 'validation NDCG@5', 'validation users', 'train s', 'backend'];
  const sMd = mdTable(sHead, screen.map((s) => s.row));

  // Table 1 runs: the current recipe (table1-runs/) vs the superseded one, test slates; one row per recipe found
  // (a superseded run stays in table1-runs/ too while docs/results/table1.json still names it: it counts as "before" only)
  const old = new Set(fs.existsSync(at(SUPERSEDED)) ? fs.readdirSync(at(SUPERSEDED)) : []);
  const runsIn = (d, id) => modelRuns(root, d, id).filter((r) => (d === SUPERSEDED || !old.has(path.basename(r.file))) && !r.context?.quick).sort((a, b) => a.seed - b.seed);
  const tRows = [];
  for (const id of MODELS) {
    for (const [which, d] of [['before', SUPERSEDED], ['now', TABLE1]]) {
      const byRecipe = new Map();
      for (const r of runsIn(d, id)) byRecipe.set(recipeOf(r.settings), [...(byRecipe.get(recipeOf(r.settings)) ?? []), r]);
      for (const [recipe, runs] of byRecipe) {
        const vals = (k) => runs.map((r) => r.effective[k]);
        tRows.push([id, which, recipe, runs.map((r) => r.seed).join(', '), runs.map((r) => f4(r.effective.recall5)).join(', '), `**${meanSd(vals('recall5'))}**`, meanSd(vals('ndcg5')), runs[0].params, runs.map((r) => r.trainSeconds.toFixed(0)).join(', '), d]);
      }
    }
  }
  const tHead = ['model', 'recipe', 'settings', 'seeds', 'test recall@5 per seed', 'test recall@5 mean ± std', 'test NDCG@5 mean ± std', 'params', 'train s per seed', 'run files'];
  const tMd = tRows.length ? mdTable(tHead, tRows) : '(no Table 1 runs found)';

  let doc = fs.readFileSync(at(DOC), 'utf8');
  doc = replaceSection(doc, 'generative-screen', sMd, { generator: 'docs:generative-screen', sources: `${DIR}/*.json, ${BENCH}`, file: DOC });
  doc = replaceSection(doc, 'generative-rows', tMd, { generator: 'docs:generative-screen', sources: `${TABLE1}/ and ${SUPERSEDED}/`, file: DOC });
  return { outputs: { [DOC]: doc }, log: `${sMd}\n\n${tMd}` };
}

if (isMain(import.meta.url)) await runGenerator('docs:generative-screen', build);
