// npm run fuzz -- [--cases 10000] [--seed 1] [--out docs/results] [--no-real]
// Seeded mutations of every parser's valid inputs (src/data/fuzz.ts); prints per parser: cases, loaded, refused
// cleanly, escapes (non-data errors), hangs (> 2 s of CPU time). Exit 1 on any escape or hang. Writes <out>/fuzz.json.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fuzz, fuzzBases, type FuzzBase } from '../src/data/fuzz';
import { sharedKuaiRecDir } from '../src/data/test-data';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const cases = Number(arg('cases', '10000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', 'docs/results');
if (!(cases > 0) || !Number.isInteger(seed)) { console.error('fuzz: --cases needs a positive number and --seed an integer'); process.exit(1); }

const extra: FuzzBase[] = [];
if (!process.argv.includes('--no-real')) {
  try {
    const dir = sharedKuaiRecDir();
    for (const [parser, rel] of [['captions (real slice)', 'side/kuairec_caption_category.csv'], ['item_categories (real slice)', 'side/item_categories.csv']]) {
      const p = join(dir, rel);
      if (existsSync(p)) extra.push({ parser, name: rel.split('/').pop()!, kind: 'csv', bytes: readFileSync(p).subarray(0, 30000) });
    }
  } catch { /* real files absent: synthetic bases only */ }
}

const t0 = performance.now();
let last = 0;
const { summary, failures } = await fuzz({
  cases, seed, bases: fuzzBases(extra),
  onCase: (_c, k) => { if (performance.now() - last > 5000) { last = performance.now(); process.stderr.write(`fuzz: ${k + 1}/${cases}\n`); } },
});
const sec = (performance.now() - t0) / 1000;
const rows = summary.map((s) => `| ${s.parser} | ${s.cases} | ${s.loaded} | ${s.refused} | ${s.escapes} | ${s.hangs} | ${s.maxMs.toFixed(0)} |`);
const tot = summary.reduce((a, s) => ({ cases: a.cases + s.cases, loaded: a.loaded + s.loaded, refused: a.refused + s.refused, escapes: a.escapes + s.escapes, hangs: a.hangs + s.hangs }), { cases: 0, loaded: 0, refused: 0, escapes: 0, hangs: 0 });
console.log(['| parser | cases | loaded | refused cleanly | escapes | hangs (> 2 s CPU) | slowest (ms CPU) |', '|---|---:|---:|---:|---:|---:|---:|', ...rows,
  `| **all** | ${tot.cases} | ${tot.loaded} | ${tot.refused} | ${tot.escapes} | ${tot.hangs} | |`].join('\n'));
console.log(`\nseed ${seed}, ${sec.toFixed(1)} s`);
for (const f of failures.slice(0, 20)) console.log(`- ${f.outcome}: ${f.parser} [${f.ops.join(', ')}]: ${f.detail}`);
await mkdir(out, { recursive: true });
await writeFile(join(out, 'fuzz.json'), JSON.stringify({
  command: 'fuzz', protocol: 'seeded mutations (truncate, bit flip, byte, structural byte, quote, CRLF, BOM, huge field, delete, duplicate span) of each parser\'s valid inputs; random chunk sizes; malformed skip|stop',
  settings: { cases, hangMs: 2000 }, seed, environment: { node: process.version, cpus: cpus().length }, seconds: +sec.toFixed(1), summary, totals: tot, failures: failures.slice(0, 100),
}, null, 2) + '\n');
process.exit(tot.escapes || tot.hangs ? 1 : 0);
