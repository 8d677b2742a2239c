// `npm run docs:generative-screen`: the recipe screening of the generative baselines (TIGER, OneRec-style, ListCVAE) in
// docs/generative-baselines.md, generated from committed JSON, never typed:
//   - docs/results/generative-screen/<run>.json: `higr table1 --split valid` results (the validation slates only; no
//     test figure exists for these runs), one (model, setting) each, seed 0;
//   - docs/results/table1-runs/<model>-s<N>-*.json (the Table 1 runs of the current recipe, test slates) against
//     docs/results/generative-screen/superseded/<model>-s<N>-*.json (the runs of the recipe before it).
// Rewrites the blocks <!-- generative-screen:begin --> … <!-- generative-screen:end --> and
// <!-- generative-rows:begin --> … <!-- generative-rows:end --> of docs/generative-baselines.md.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'docs/results/generative-screen';
const doc = process.argv[3] ?? 'docs/generative-baselines.md';
const cacheDir = 'docs/results/table1-runs';
const MODELS = ['tiger', 'onerec', 'listcvae'];
const f4 = (x) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const meanStd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${f4(m)} ± ${f4(sd)}`;
};
const cell = (v) => String(v).replace(/\|/g, '\\|');
const mdTable = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const recipeOf = (st) => {
  const m = st.model ?? {};
  return [
    st.recentWindows ? `last ${st.recentWindows} windows/user` : 'all windows',
    `dropout ${m.dropout ?? 0}`,
    `history ${m.maxHistory}`,
    `≤ ${st.epochs}×${st.stepsPerEpoch} steps${st.patience ? ` (patience ${st.patience})` : ''}`,
  ].join(', ');
};

const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
if (!files.length) {
  console.error(`generative-screen-table: no screening results (*.json) in ${dir}`);
  process.exit(1);
}
const screen = files.map((f) => {
  const j = readJson(path.join(dir, f));
  if (j.command !== 'table1' || j.protocol?.split !== 'valid' || j.rows?.length !== 1) throw new Error(`${path.join(dir, f)}: not a one-model \`higr table1 --split valid\` result`);
  const r = j.rows[0];
  const log = r.trainLogs?.[0] ?? null;
  return {
    model: r.id,
    row: [
      f.replace(/\.json$/, ''),
      r.model,
      recipeOf(r.settings),
      r.params,
      r.seeds.join(', '),
      log ? `${log.bestEpoch}/${log.epochsRun}` : 'n/a',
      log ? log.validation.map((v) => v.score.toFixed(3)).join(' ') : 'n/a',
      `**${f4(r.mean.recall5)}**`,
      f4(r.mean.ndcg5),
      j.protocol.users,
      r.trainSeconds.toFixed(0),
      r.backend,
    ],
  };
});
// the OneRec-style decoder of the committed bench:decode run trained with the recipe before the screening (every
// window, history 20, ≤ 8 epochs, patience 2; seed 0, the same SIDs and 300 validation users): its validation curve is
// the trainer's curve of that recipe (no 927-user figure was computed for it)
const bd = 'docs/results/bench-decode.json';
if (fs.existsSync(bd)) {
  const j = readJson(bd);
  const t = j.settings?.train?.onerec, c = j.training?.onerec;
  if (t && c && !t.recentWindows) {
    const curve = c.validRecall5;
    screen.push({ model: 'onerec', row: [`${bd} (its OneRec-style training)`, 'OneRec-style flat decoder', recipeOf({ ...t, model: { ...j.settings.model, dropout: 0 } }), j.params.onerec, j.seed, `${c.bestEpoch}/${curve.length}`, curve.map((v) => v.toFixed(3)).join(' '), 'n/a', 'n/a', 'n/a', c.seconds.toFixed(0), 'wasm'] });
  }
}
screen.sort((a, b) => MODELS.indexOf(a.model) - MODELS.indexOf(b.model));
const sHead = ['run', 'model', 'recipe', 'params', 'seed', 'best epoch / run', 'trainer validation recall@5 per epoch (300 users)', 'validation recall@5 (kept weights)', 'validation NDCG@5', 'validation users', 'train s', 'backend'];
const sBlock = mdTable(sHead, screen.map((s) => s.row));

// Table 1 runs: the current recipe (table1-runs/) vs the superseded one (generative-screen/superseded/), test slates
const runsIn = (d, id) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.startsWith(`${id}-s`) && f.endsWith('.json')).map((f) => readJson(path.join(d, f))) : []).filter((r) => !r.context?.quick).sort((a, b) => a.seed - b.seed);
const tRows = [];
for (const id of MODELS) {
  for (const [which, d] of [['before', path.join(dir, 'superseded')], ['now', cacheDir]]) {
    // one row per recipe found (a directory holding runs of two recipes shows both, never a mixed mean)
    const byRecipe = new Map();
    for (const r of runsIn(d, id)) byRecipe.set(recipeOf(r.settings), [...(byRecipe.get(recipeOf(r.settings)) ?? []), r]);
    for (const [recipe, runs] of byRecipe) {
      const vals = (k) => runs.map((r) => r.effective[k]);
      tRows.push([id, which, recipe, runs.map((r) => r.seed).join(', '), runs.map((r) => f4(r.effective.recall5)).join(', '), `**${meanStd(vals('recall5'))}**`, meanStd(vals('ndcg5')), runs[0].params, runs.map((r) => r.trainSeconds.toFixed(0)).join(', '), path.relative('.', d)]);
    }
  }
}
const tHead = ['model', 'recipe', 'settings', 'seeds', 'test recall@5 per seed', 'test recall@5 mean ± std', 'test NDCG@5 mean ± std', 'params', 'train s per seed', 'run files'];
const tBlock = tRows.length ? mdTable(tHead, tRows) : '(no Table 1 runs found)';

let text = fs.readFileSync(doc, 'utf8');
for (const [name, body, from] of [['generative-screen', sBlock, `${dir}/*.json`], ['generative-rows', tBlock, `${cacheDir}/ and ${dir}/superseded/`]]) {
  const re = new RegExp(`<!-- ${name}:begin[^>]*-->[\\s\\S]*?<!-- ${name}:end -->`);
  if (!re.test(text)) {
    console.error(`generative-screen-table: ${doc} has no <!-- ${name}:begin --> … <!-- ${name}:end --> block`);
    process.exit(1);
  }
  text = text.replace(re, `<!-- ${name}:begin (generated by \`npm run docs:generative-screen\` from ${from}; do not edit) -->\n${body}\n<!-- ${name}:end -->`);
}
fs.writeFileSync(doc, text);
console.log(`${sBlock}\n\n${tBlock}`);
