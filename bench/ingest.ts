// Ingest benchmark: our hand-written path (src/data/ingest.ts: wasm fast path for ordinary rows + JS rules) vs
// papaparse 5's best streaming setup (issue 16: `chunk`, header:false, no dynamicTyping, own Number() into typed
// columns), on one big_matrix-schema file, in Node AND in Chromium (File.stream()).
//   npm run bench:ingest -- [--rows N (default 12,500,000)] [--file big.csv] [--rounds R (default 1)] [--quick]
//                           [--hosts node,browser] [--parsers higr,papaparse] [--out docs/results] [--keep]
//   npm run bench:ingest -- --render [result.json]   re-writes docs/data.md's figures from a result file
// Every run is a FRESH process (Node child / new Chromium), so peak RSS (getrusage maxrss / the renderer's VmHWM) is
// that parser's alone; it is divided by the columnar bytes of the 7 kept columns (32 bytes per row). Rows/s is wall
// clock; CPU seconds are reported too (the machine is shared). Both parsers must give the same rows, checksum and
// malformed-line reports, or the benchmark fails.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { interactionCsvChunks } from '../src/data/synthetic';
import { CHROMIUM, QUIET_ARGS } from '../e2e/chromium';
import type { ParseRun } from './ingest/parsers';
import { writeDocSection } from './doc-section';

const HERE = dirname(fileURLToPath(import.meta.url));
const COLUMNAR_BYTES_PER_ROW = 4 + 4 + 4 + 4 + 4 + 8 + 4; // user, item, play, vdur, date (i32/f32), timestamp f64, watch_ratio f32
const TARGET_SPEEDUP = 4;
const TARGET_RSS = 1.25;

interface Args { rows: number; file?: string; out: string; keep: boolean; quick: boolean; rounds: number; hosts: string[]; parsers: string[] }

function parseArgs(argv: string[]): Args {
  const a: Args = { rows: 12_500_000, out: 'docs/results', keep: false, quick: false, rounds: 1, hosts: ['node', 'browser'], parsers: ['higr', 'papaparse'] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--rows') { a.rows = Number(v); i++; }
    else if (argv[i] === '--file') { a.file = v; i++; }
    else if (argv[i] === '--out') { a.out = v; i++; }
    else if (argv[i] === '--rounds') { a.rounds = Number(v); i++; }
    else if (argv[i] === '--hosts') { a.hosts = v.split(','); i++; }
    else if (argv[i] === '--parsers') { a.parsers = v.split(','); i++; }
    else if (argv[i] === '--keep') a.keep = true;
    else if (argv[i] === '--quick') { a.quick = true; a.rows = 200_000; }
  }
  if (!(a.rows > 0)) fail('--rows needs a positive number');
  if (!(a.rounds >= 1)) fail('--rounds needs a positive number');
  if (a.file && !existsSync(a.file)) fail(`--file ${a.file}: no such file`);
  for (const h of a.hosts) if (h !== 'node' && h !== 'browser') fail(`--hosts: unknown host "${h}" (node, browser)`);
  for (const p of a.parsers) if (p !== 'higr' && p !== 'papaparse') fail(`--parsers: unknown parser "${p}" (higr, papaparse)`);
  return a;
}

function fail(msg: string): never {
  console.error(`bench:ingest: ${msg}`);
  process.exit(1);
}

interface Run extends ParseRun { parser: string; host: string; cpuSeconds: number; peakRssMB: number; baseRssMB: number }

async function bundle(dir: string): Promise<{ nodeRun: string; page: string }> {
  const nodeRun = join(dir, 'node-run.mjs');
  await build({ entryPoints: [join(HERE, 'ingest/node-run.ts')], bundle: true, platform: 'node', format: 'esm', outfile: nodeRun, logLevel: 'warning' });
  const page = join(dir, 'page.js');
  await build({ entryPoints: [join(HERE, 'ingest/browser-page.ts')], bundle: true, platform: 'browser', format: 'iife', outfile: page, logLevel: 'warning' });
  return { nodeRun, page };
}

function runNode(script: string, parser: string, file: string): Run {
  const out = execFileSync(process.execPath, [script, parser, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  return { ...r, parser, host: 'node' };
}

/** Peak RSS (VmHWM) and CPU seconds of the Chromium renderer processes under `rootPid`. */
function rendererStats(rootPid: number): { hwmMB: number; cpuSec: number } {
  const tick = 100; // USER_HZ
  let hwmMB = 0;
  let cpuSec = 0;
  const kids = (pid: number): number[] => {
    try { return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
  };
  const walk = (pid: number) => {
    for (const k of kids(pid)) {
      try {
        const cmd = readFileSync(`/proc/${k}/cmdline`, 'utf8');
        if (cmd.includes('--type=renderer')) {
          const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${k}/status`, 'utf8'));
          if (hwm) hwmMB = Math.max(hwmMB, (Number(hwm[1]) * 1024) / 1e6);
          const f = readFileSync(`/proc/${k}/stat`, 'utf8').split(') ')[1].split(' ');
          cpuSec += (Number(f[11]) + Number(f[12])) / tick;
        }
      } catch { /* exited */ }
      walk(k);
    }
  };
  walk(rootPid);
  return { hwmMB, cpuSec };
}

async function runBrowser(pageJs: string, parser: string, file: string): Promise<Run> {
  const { chromium } = await import('playwright-core');
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (set HIGR_CHROMIUM)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: QUIET_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<input type="file" id="f">');
    await page.addScriptTag({ content: readFileSync(pageJs, 'utf8') });
    await page.setInputFiles('#f', file);
    // playwright-core launches Chromium as a child of this process: its renderers are our descendants
    const before = rendererStats(process.pid);
    const r = (await page.evaluate((p) => window.__ingest(p), parser)) as ParseRun;
    const after = rendererStats(process.pid);
    if (!(after.hwmMB > 0)) throw new Error('no Chromium renderer process found under this process (cannot measure its peak RSS)');
    return { ...r, parser, host: 'browser', cpuSeconds: after.cpuSec - before.cpuSec, peakRssMB: after.hwmMB, baseRssMB: before.hwmMB };
  } finally {
    await browser.close();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'higr-bench-ingest-'));
  let path = args.file;
  let generated: { seconds: number } | undefined;
  if (!path) {
    path = join(dir, 'big_matrix.csv');
    console.log(`generating ${args.rows.toLocaleString('en-US')} rows (big_matrix schema, seed 1) in ${path} ...`);
    const tg = performance.now();
    const ws = createWriteStream(path);
    for (const chunk of interactionCsvChunks({ seed: 1, users: 7176, items: 10728, categories: 30, clusters: 20, rows: args.rows })) {
      if (!ws.write(chunk)) await once(ws, 'drain');
    }
    ws.end();
    await once(ws, 'finish');
    generated = { seconds: +((performance.now() - tg) / 1000).toFixed(1) };
  }
  const size = statSync(path).size;
  const { nodeRun, page } = await bundle(dir);
  const runs: Run[] = [];
  const parsers = args.parsers;
  for (let r = 0; r < args.rounds; r++) {
    const order = r % 2 === 0 ? parsers : [...parsers].reverse();
    for (const host of args.hosts) {
      for (const p of order) {
        const run = host === 'node' ? runNode(nodeRun, p, path) : await runBrowser(page, p, path);
        runs.push(run);
        console.log(`round ${r + 1}/${args.rounds} ${host} ${p}: ${run.rows.toLocaleString('en-US')} rows in ${run.seconds.toFixed(2)} s (CPU ${run.cpuSeconds.toFixed(2)} s), peak RSS ${run.peakRssMB.toFixed(0)} MB`);
      }
    }
  }
  // same rows, checksum and malformed-line reports everywhere
  const ref = runs[0];
  for (const x of runs) {
    if (x.rows !== ref.rows || x.checksum !== ref.checksum || JSON.stringify(x.malformed) !== JSON.stringify(ref.malformed) || JSON.stringify(x.badRatio) !== JSON.stringify(ref.badRatio))
      fail(`parsers disagree: ${x.host}/${x.parser} gave ${JSON.stringify({ rows: x.rows, checksum: x.checksum, malformed: x.malformed })}, ${ref.host}/${ref.parser} ${JSON.stringify({ rows: ref.rows, checksum: ref.checksum, malformed: ref.malformed })}`);
  }
  const columnarMB = (ref.rows * COLUMNAR_BYTES_PER_ROW) / 1e6;
  const results = args.hosts.flatMap((host) => parsers.map((parser) => {
    const rs = runs.filter((x) => x.host === host && x.parser === parser).sort((a, b) => a.seconds - b.seconds);
    const med = rs[Math.floor(rs.length / 2)];
    const peak = Math.max(...rs.map((x) => x.peakRssMB));
    return {
      parser: parser === 'higr' ? 'higr (src/data/ingest.ts: wasm fast path + JS rules)' : 'papaparse 5.7 best (chunk, header:false, no dynamicTyping, own Number() into typed columns)',
      id: parser, host, rows: med.rows, seconds: +med.seconds.toFixed(3), rowsPerSec: Math.round(med.rows / med.seconds), cpuSeconds: +med.cpuSeconds.toFixed(3),
      rowsPerCpuSec: Math.round(med.rows / med.cpuSeconds), peakRssMB: +peak.toFixed(1), baseRssMB: +med.baseRssMB.toFixed(1), peakRssOverColumnar: +(peak / columnarMB).toFixed(3),
      // the same over the process's RSS before parsing (Node runtime / an idle Chromium renderer)
      peakRssDeltaOverColumnar: +((peak - med.baseRssMB) / columnarMB).toFixed(3),
    };
  }));
  const speedupOverPapaparseBest: Record<string, number> = {};
  const cpuSpeedupOverPapaparseBest: Record<string, number> = {};
  const targetsMet: Record<string, { speedup: boolean; memory: boolean }> = {};
  const both = args.parsers.includes('higr') && args.parsers.includes('papaparse');
  for (const host of both ? args.hosts : []) {
    const o = results.find((x) => x.host === host && x.id === 'higr')!;
    const p = results.find((x) => x.host === host && x.id === 'papaparse')!;
    speedupOverPapaparseBest[host] = +(o.rowsPerSec / p.rowsPerSec).toFixed(2);
    cpuSpeedupOverPapaparseBest[host] = +(o.rowsPerCpuSec / p.rowsPerCpuSec).toFixed(2);
    targetsMet[host] = { speedup: speedupOverPapaparseBest[host] >= TARGET_SPEEDUP, memory: o.peakRssOverColumnar <= TARGET_RSS };
  }
  const table = [
    '| host | parser | rows | seconds | rows/s | CPU s | rows/CPU-s | RSS before MB | peak RSS MB | peak RSS / columnar | (peak − before) / columnar |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.host} | ${r.id} | ${r.rows.toLocaleString('en-US')} | ${r.seconds} | ${r.rowsPerSec.toLocaleString('en-US')} | ${r.cpuSeconds} | ${r.rowsPerCpuSec.toLocaleString('en-US')} | ${r.baseRssMB} | ${r.peakRssMB} | ${r.peakRssOverColumnar} | ${r.peakRssDeltaOverColumnar} |`),
  ].join('\n');
  const speedLines = (both ? args.hosts : []).map((h) => `- ${h}: ${speedupOverPapaparseBest[h]}x papaparse's best (wall), ${cpuSpeedupOverPapaparseBest[h]}x (CPU); peak RSS ${results.find((x) => x.host === h && x.id === 'higr')!.peakRssOverColumnar}x columnar — targets (>= ${TARGET_SPEEDUP}x, <= ${TARGET_RSS}x): speed ${targetsMet[h].speedup ? 'met' : 'NOT met'}, memory ${targetsMet[h].memory ? 'met' : 'NOT met'}`);
  console.log('\n' + table + '\n\n' + speedLines.join('\n') + '\n');
  const env = { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', chromium: args.hosts.includes('browser') ? CHROMIUM : undefined, loadAverage: loadavg() };
  const json = {
    benchmark: 'ingest', date: new Date().toISOString(),
    protocol: 'each parser in a fresh process (Node child / new Chromium) on the same file; rows/s = rows / wall seconds of the parse; peak RSS = getrusage maxrss (Node) or the renderer VmHWM (Chromium), over columnar bytes (32 B x rows); same rows, checksum and malformed-line reports required',
    settings: { rounds: args.rounds, hosts: args.hosts, quick: args.quick, targets: { speedup: TARGET_SPEEDUP, peakRssOverColumnar: TARGET_RSS } },
    seed: 1,
    file: { path: args.file ?? '(generated)', rows: ref.rows, bytes: size, columnarMB: +columnarMB.toFixed(1), schema: 'big_matrix.csv (synthetic generator, seed 1)', generated },
    results, speedupOverPapaparseBest, cpuSpeedupOverPapaparseBest, targetsMet, allRuns: runs, environment: env,
  };
  await mkdir(args.out, { recursive: true });
  const stem = args.quick ? 'bench-ingest-quick' : 'bench-ingest';
  await writeFile(join(args.out, `${stem}.json`), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(args.out, `${stem}.md`), [
    `# Ingest benchmark (${new Date().toISOString().slice(0, 10)})`, '',
    `File: big_matrix.csv schema, ${ref.rows.toLocaleString('en-US')} rows, ${(size / 1e6).toFixed(1)} MB (columnar: ${columnarMB.toFixed(1)} MB). Node ${process.version}, ${env.cpus} CPUs (${env.cpu}), load average ${loadavg().map((x) => x.toFixed(1)).join(', ')} (shared machine). ${args.rounds} round(s), medians.`, '',
    table, '', ...speedLines, '',
    `Reproduce: \`npm run bench:ingest -- ${args.file ? `--file ${args.file}` : `--rows ${args.rows}`}${args.rounds > 1 ? ` --rounds ${args.rounds}` : ''}\`${args.file ? ' (without --file the same generator, seed 1, writes the file first)' : ''}.`, '',
  ].join('\n'));
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  if (!args.quick && args.hosts.length === 2 && args.parsers.length === 2 && resolve(args.out) === resolve(HERE, '../docs/results')) writeDocSection(join(HERE, '../docs/data.md'), 'ingest', docFigures(json));
}

interface IngestJson {
  date: string; settings: { rounds: number }; file: { rows: number; bytes: number; columnarMB: number };
  results: { id: string; host: string; rowsPerSec: number; rowsPerCpuSec: number; peakRssMB: number; baseRssMB: number; peakRssOverColumnar: number; peakRssDeltaOverColumnar: number }[];
  speedupOverPapaparseBest: Record<string, number>; cpuSpeedupOverPapaparseBest: Record<string, number>; environment: { loadAverage: number[] };
}

/** The figures section of docs/data.md, from a result file (both memory figures: absolute, and over the process before parsing). */
function docFigures(j: IngestJson): string {
  const host = (h: string) => (h === 'node' ? 'Node' : 'Chromium');
  const rows = j.results.map((r) => `| ${host(r.host)} | ${r.id === 'higr' ? 'higr' : 'papaparse best'} | ${r.rowsPerSec.toLocaleString('en-US')} | ${r.rowsPerCpuSec.toLocaleString('en-US')} | ${r.baseRssMB.toFixed(0)} MB | ${r.peakRssMB.toFixed(0)} MB | ${r.peakRssOverColumnar} | ${r.peakRssDeltaOverColumnar} |`);
  const lines = Object.keys(j.speedupOverPapaparseBest).map((h) => {
    const o = j.results.find((r) => r.host === h && r.id === 'higr')!;
    return `- ${host(h)}: ${j.speedupOverPapaparseBest[h]}× papaparse's best (wall), ${j.cpuSpeedupOverPapaparseBest[h]}× (CPU) — target ≥ ${TARGET_SPEEDUP}× ${j.speedupOverPapaparseBest[h] >= TARGET_SPEEDUP ? 'met' : 'NOT met'}; peak RSS ${o.peakRssOverColumnar}× columnar (target ≤ ${TARGET_RSS}×: ${o.peakRssOverColumnar <= TARGET_RSS ? 'met' : 'NOT met'}), ${o.peakRssDeltaOverColumnar}× over the RSS before parsing (${o.baseRssMB.toFixed(0)} MB: ${h === 'node' ? 'the Node runtime' : 'the idle renderer'}; ≤ ${TARGET_RSS}× ${o.peakRssDeltaOverColumnar <= TARGET_RSS ? 'met' : 'NOT met'})`;
  });
  return [
    `Figures (\`docs/results/bench-ingest.md\`, ${j.date.slice(0, 10)}, ${j.file.rows.toLocaleString('en-US')} rows, ${(j.file.bytes / 1e6).toFixed(1)} MB, columnar ${j.file.columnarMB} MB, ${j.settings.rounds} round(s), load average ${j.environment.loadAverage.map((x) => x.toFixed(1)).join(', ')} on 2 cores; written by \`npm run bench:ingest\`):`,
    '',
    '| host | parser | rows/s (wall) | rows/CPU-s | RSS before | peak RSS | peak RSS / columnar | (peak − before) / columnar |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...lines,
  ].join('\n');
}

if (process.argv[2] === '--render') {
  // re-write the docs/data.md figures from an existing result file (no new run)
  const f = process.argv[3] ?? join(HERE, '../docs/results/bench-ingest.json');
  writeDocSection(join(HERE, '../docs/data.md'), 'ingest', docFigures(JSON.parse(readFileSync(f, 'utf8'))));
  process.exit(0);
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
