// `npm run docs:hsd-params`: the "Defaults and parameter counts" tables of docs/slate-decoder.md, generated from the
// code's presets (HSD_PAPER, HSD_BROWSER, HSD_REAL_DATA, HSD_REAL_DATA_QUICK) by `countParameters` (equal to the built
// model's numParameters(), src/models/slate-decoder.test.ts) over the SID widths and item count of the current
// default run (docs/results/train.json). Checks that run's recorded parameter count is the preset's: a default changed
// in code without re-running `higr train` stops the generator with a message naming the file.
import fs from 'node:fs';
import path from 'node:path';
import { countParameters, hsdConfig, HSD_BROWSER, HSD_PAPER, type HsdConfig } from '../src/models/slate-decoder';
import { HSD_REAL_DATA, HSD_REAL_DATA_QUICK } from '../src/train/slate-data';
import { slateTrainConfig } from '../src/train/slate-decoder';
// @ts-expect-error plain .mjs helper without types
import { count, isMain, mdTable, readJson, replaceSection, runGenerator } from './docs-section.mjs';

const GEN = 'docs:hsd-params';
const DOC = 'docs/slate-decoder.md';
const TRAIN = 'docs/results/train.json';

export function build({ root = process.cwd() }: { root?: string } = {}) {
  const tj = readJson(path.join(root, TRAIN));
  const widths: number[] = tj.sidWidths;
  const items: number = tj.protocol.items;
  const tok = tj.settings.tokenizer;
  const real = hsdConfig(HSD_REAL_DATA.model);
  const t = slateTrainConfig(HSD_REAL_DATA.train);
  const n = (c: HsdConfig) => countParameters(c, widths, items);
  if (n(real) !== tj.params) {
    throw new Error(`${TRAIN}: records ${tj.params} parameters, HSD_REAL_DATA counts ${n(real)} on its SIDs: re-run \`higr train\` with the current default (docs/slate-decoder.md, "Measured")`);
  }
  const presets: [string, HsdConfig][] = [
    ['paper (`HSD_PAPER`, Appendix A)', HSD_PAPER],
    ['browser (`HSD_BROWSER`)', HSD_BROWSER],
    ['`higr train` default on the real data (`HSD_REAL_DATA`; HiGR\'s Table 1 row)', real],
    ['`higr train --quick` (`HSD_REAL_DATA_QUICK`)', hsdConfig(HSD_REAL_DATA_QUICK.model)],
  ];
  const sizes = mdTable(
    ['setting', 'd', 'heads', 'FFN', 'l_enc', 'l_slate', 'l_item', 'history', 'item-id emb.', 'dropout'],
    presets.map(([name, c]) => [name, c.dim, c.heads, c.ffn, c.encoderLayers, c.slateLayers, c.itemLayers, c.maxHistory, c.itemIdEmbedding ? 'yes' : 'no', c.dropout]),
  );
  const counts = mdTable(
    ['setting', 'parameters', 'without the item-id embedding'],
    [...presets, ['paper, non-shared generator (Table 3)', { ...HSD_PAPER, sharedGenerator: false }] as [string, HsdConfig]].map(([name, c]) => [name, count(n(c)), count(n({ ...c, itemIdEmbedding: false }))]),
  );
  const body = [
    `Counted by \`countParameters\` (equal to \`numParameters()\` of the built model; tested) on the SIDs of the current`,
    `default run (\`${TRAIN}\`: ${tok.kind} K = ${tok.codebookSize}, L = ${widths.length} levels of widths [${widths.join(', ')}], the last one the`,
    `collision level) and its ${count(items)} items; the real-data default has ${count(n(real))} parameters (${count(n({ ...real, itemIdEmbedding: false }))} without the item-id`,
    `embedding), as that run records.`,
    '',
    `The real-data default (issue 18, run m of the ablation log) trains on each user's ${t.recentWindows} most recent training windows`,
    `(\`recentWindows\`), with input-embedding dropout ${real.dropout}, ${t.epochs} epochs × ${t.stepsPerEpoch} steps × ${t.batchSize} slates (lr ${t.lr}, ${t.warmup} warm-up steps then`,
    `cosine to ${+(t.lr * t.minLrRatio).toPrecision(3)}, weight decay ${t.weightDecay}, clip ${t.clipNorm}, ${t.patience ? `early stopping after ${t.patience} epochs without gain, ` : ''}best validation epoch restored) and decodes with`,
    `GSBI beam B = ${t.beam} (see "Ablations"; before issue 18: every window, no dropout, history 20, 6 epochs):`,
    '',
    sizes,
    '',
    counts,
  ].join('\n');
  const text = fs.readFileSync(path.join(root, DOC), 'utf8');
  return { outputs: { [DOC]: replaceSection(text, 'hsd-params', body, { generator: GEN, sources: `src/models/slate-decoder.ts and src/train/slate-data.ts presets, ${TRAIN} (SID widths, items)`, file: DOC }) }, log: body };
}

if (isMain(import.meta.url)) await runGenerator(GEN, build);
