// `npm run docs:all [-- --check]`: runs every docs generator (each rewrites its marked sections of docs/*.md, and its
// JSON, from the committed result files; see scripts/docs-section.mjs). --check writes nothing and exits 1 naming the
// stale files: a figure typed into a generated section, or a result file changed without regenerating, shows there
// (and in scripts/docs-generators.test.ts, which checks the same on the committed files).
// Runs under tsx (some generators read the code's presets): node --import tsx --import ./scripts/wgsl-hooks.mjs scripts/docs-all.mjs
import { applyOutputs, isMain } from './docs-section.mjs';

/** Every docs generator: its npm script and module (each exports build({ root }) → { outputs, log }). */
export const GENERATORS = [
  { name: 'docs:hsd-params', load: () => import('./hsd-params.ts') },
  { name: 'docs:hsd-ablation', load: () => import('./hsd-ablation-table.mjs') },
  { name: 'docs:sasrec-conformance', load: () => import('./sasrec-conformance.mjs') },
  { name: 'docs:evaluation', load: () => import('./evaluation-figures.mjs') },
  { name: 'docs:data', load: () => import('./data-figures.mjs') },
  { name: 'docs:bert4rec', load: () => import('./bert4rec-table.mjs') },
];

if (isMain(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const g of GENERATORS) {
    try {
      const { build } = await g.load();
      const changed = applyOutputs((await build({ root: process.cwd() })).outputs, { root: process.cwd(), check });
      console.log(`${g.name}: ${changed.length ? `${check ? 'stale' : 'rewrote'} ${changed.join(', ')}` : 'up to date'}`);
      if (check) stale.push(...changed.map((f) => `${f} (${g.name})`));
    } catch (e) {
      console.error(`${g.name}: ${e.message}`);
      process.exit(1);
    }
  }
  if (stale.length) {
    console.error(`docs:all: stale: ${stale.join(', ')}; run \`npm run docs:all\``);
    process.exit(1);
  }
}
