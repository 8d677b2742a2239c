// `npm run docs:data`: the measured figures of docs/data.md that come from result files, generated, never typed:
//   data-fuzz      the last parser-fuzzing run (docs/results/fuzz.json, `npm run fuzz -- --cases N --seed S`)
//   data-bundled   the bundled default source's statistics (docs/results/data.json, `npm run higr -- data`)
// (The ingest benchmark's figures in the same doc are written by `npm run bench:ingest` itself.)
import fs from 'node:fs';
import path from 'node:path';
import { count, isMain, readJson, replaceSection, runGenerator } from './docs-section.mjs';

const GEN = 'docs:data';
const DOC = 'docs/data.md';
const FUZZ = 'docs/results/fuzz.json';
const DATA = 'docs/results/data.json';

function fuzz(j) {
  if (j.command !== 'fuzz' || !j.totals || !Array.isArray(j.summary)) throw new Error(`${FUZZ}: not a \`npm run fuzz\` result`);
  const t = j.totals;
  const slow = j.summary.reduce((a, p) => (p.maxMs > a.maxMs ? p : a), j.summary[0]);
  const per = j.summary.map((p) => p.cases);
  return [
    `Last run (\`npm run fuzz -- --cases ${j.settings.cases} --seed ${j.seed}\`, \`${FUZZ}\`): ${count(t.cases)} cases over ${j.summary.length} inputs (${Math.min(...per)}–${Math.max(...per)}`,
    `per parser), ${count(t.loaded)} loaded, ${count(t.refused)} refused cleanly, **${t.escapes} escapes, ${t.hangs} hangs**; the slowest case took ${slow.maxMs.toFixed(0)} ms of CPU`,
    `(${slow.parser}).`,
  ].join('\n');
}

function bundled(j) {
  if (j.command !== 'data' || !j.stats) throw new Error(`${DATA}: not a \`higr data\` result`);
  const s = j.stats, src = j.files.find((f) => f.name === s.source), big = j.files.find((f) => f.name === 'big_matrix_positives.txt');
  if (!src) throw new Error(`${DATA}: no file entry for the source ${s.source}`);
  const L = s.seqLength;
  return [
    `Default source = \`${s.source}\` (chronological leave-five-out, \`${DATA}\`):`,
    `${count(src.rows)} users in the file, ${count(s.users)} kept (${s.dropped.users} have fewer than ${j.protocol.slateSize + (j.protocol.minHistory ?? 1)} views), ${count(s.items)} items, ${count(s.effectiveViews)} effective views, sequence length`,
    `${L.min} / ${L.median} / ${L.mean.toFixed(1)} / ${L.max} (min / median / mean / max), ${count(j.split.train)} training slates (stride ${j.settings.stride}) and ${count(j.split.test)} test slates`,
    `(the data command's protocol, without the validation slate; Table 1's reference protocol keeps users with ≥ 10 items).`,
    big ? `\`${big.name}\` (${count(big.rows)} users) is selectable as a source (note: not chronological) and usable` : '',
  ].filter(Boolean).join('\n');
}

export function build({ root = process.cwd() } = {}) {
  let text = fs.readFileSync(path.join(root, DOC), 'utf8');
  text = replaceSection(text, 'data-fuzz', fuzz(readJson(path.join(root, FUZZ))), { generator: GEN, sources: FUZZ, file: DOC });
  text = replaceSection(text, 'data-bundled', bundled(readJson(path.join(root, DATA))), { generator: GEN, sources: DATA, file: DOC });
  return { outputs: { [DOC]: text }, log: '' };
}

if (isMain(import.meta.url)) await runGenerator(GEN, build);
