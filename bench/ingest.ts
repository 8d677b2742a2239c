// Ingest benchmark: our streaming columnar parser vs papaparse (streaming, fastMode) on the same big_matrix-schema file.
//   npm run bench:ingest -- [--rows N (default 12,500,000: the real big_matrix size)] [--rounds R (default 3)] [--quick (200k rows, 1 round)] [--out docs/results] [--keep]
// Default 2M rows rather than the full 12.5M of big_matrix.csv: generating 12.5M rows takes minutes on a shared 2-core box.
// Each parser runs separately in this process (GC forced in between when --expose-gc is available); peak RSS and heap are
// sampled every 20 ms during the run and reported as the increase over the value just before the run.

import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import Papa from 'papaparse';
import { Float32Column, Float64Column, Int32Column } from '../src/data/columns';
import { ingestFile } from '../src/data/ingest';
import { interactionCsvChunks } from '../src/data/synthetic';
import type { InteractionTable } from '../src/data/tables';

interface Args { rows: number; out: string; keep: boolean; quick: boolean; rounds?: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { rows: 12_500_000, out: 'docs/results', keep: false, quick: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rows') a.rows = Number(argv[++i]);
    else if (argv[i] === '--out') a.out = argv[++i];
    else if (argv[i] === '--keep') a.keep = true;
    else if (argv[i] === '--rounds') a.rounds = Number(argv[++i]);
    else if (argv[i] === '--quick') { a.quick = true; a.rows = 200_000; }
  }
  if (!(a.rows > 0)) throw new Error('--rows must be a positive number');
  return a;
}

interface Result { parser: string; rows: number; seconds: number; rowsPerSec: number; mbPerSec: number; peakRssMB: number; peakHeapMB: number; checksum: number }

async function measure(name: string, bytes: number, run: () => Promise<{ rows: number; checksum: number }>): Promise<Result> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, 20);
  const t0 = performance.now();
  const { rows, checksum } = await run();
  const sec = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  return {
    parser: name, rows, seconds: +sec.toFixed(3), rowsPerSec: Math.round(rows / sec), mbPerSec: +(bytes / 1e6 / sec).toFixed(1),
    peakRssMB: +((peakRss - base.rss) / 1e6).toFixed(1), peakHeapMB: +((peakHeap - base.heapUsed) / 1e6).toFixed(1), checksum,
  };
}

function checksumOf(user: ArrayLike<number>, item: ArrayLike<number>, wr: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < user.length; i += 997) s += user[i] * 3 + item[i] + Math.round(wr[i] * 1000);
  return s;
}

async function ours(path: string, size: number) {
  const stream = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as unknown as ReadableStream<Uint8Array>;
  const p = await ingestFile({ name: 'big_matrix.csv', size, stream });
  const t = p.table as InteractionTable;
  return { rows: t.user.length, checksum: checksumOf(t.user, t.item, t.watchRatio!) };
}

/** papaparse streaming (Node readable, fastMode) feeding the same typed columns our loader produces. */
function papa(path: string): Promise<{ rows: number; checksum: number }> {
  return new Promise((resolve, reject) => {
    const user = new Int32Column(1 << 16), item = new Int32Column(1 << 16), play = new Float32Column(1 << 16), vdur = new Float32Column(1 << 16);
    const date = new Int32Column(1 << 16), ts = new Float64Column(1 << 16), wr = new Float32Column(1 << 16);
    let header = true;
    const num = (s: string) => (s === '' ? NaN : Number(s));
    Papa.parse(createReadStream(path, { highWaterMark: 1 << 20 }) as unknown as File, {
      fastMode: true,
      skipEmptyLines: true,
      chunk: (res: Papa.ParseResult<string[]>) => {
        for (const r of res.data) {
          if (header) { header = false; continue; }
          if (r.length !== 8) continue;
          user.push(num(r[0])); item.push(num(r[1])); play.push(num(r[2])); vdur.push(num(r[3]));
          date.push(num(r[5]) || 0); ts.push(num(r[6])); wr.push(num(r[7]));
        }
      },
      complete: () => resolve({ rows: user.length, checksum: checksumOf(user.view(), item.view(), wr.view()) }),
      error: (e: Error) => reject(e),
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'higr-bench-ingest-'));
  const path = join(dir, 'big_matrix.csv');
  console.log(`generating ${args.rows.toLocaleString()} rows (big_matrix schema) in ${path} ...`);
  const tg = performance.now();
  const ws = createWriteStream(path);
  for (const chunk of interactionCsvChunks({ seed: 1, users: 7176, items: 10728, categories: 30, clusters: 20, rows: args.rows })) {
    if (!ws.write(chunk)) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
  const size = statSync(path).size;
  const genSec = (performance.now() - tg) / 1000;
  console.log(`generated ${(size / 1e6).toFixed(1)} MB in ${genSec.toFixed(1)} s`);

  // Alternate the parsers over several rounds (the machine may be shared): report the median time and the max peak memory.
  const rounds = args.rounds ?? (args.quick ? 1 : 3);
  const runs: Record<string, Result[]> = { ours: [], papa: [] };
  for (let r = 0; r < rounds; r++) {
    // alternate which parser goes first (process RSS is not returned to the OS, so the second run's RSS delta is smaller)
    const runOurs = async () => runs.ours.push(await measure('higr streaming columnar (hand-written, byte-level)', size, () => ours(path, size)));
    const runPapa = async () => runs.papa.push(await measure('papaparse 5 streaming (fastMode) -> same typed columns', size, () => papa(path)));
    if (r % 2 === 0) { await runOurs(); await runPapa(); } else { await runPapa(); await runOurs(); }
    console.log(`round ${r + 1}/${rounds}: ours ${runs.ours[r].seconds}s, papaparse ${runs.papa[r].seconds}s`);
  }
  const summarize = (rs: Result[]): Result => {
    const sorted = [...rs].sort((a, b) => a.seconds - b.seconds);
    const med = sorted[Math.floor(sorted.length / 2)];
    return { ...med, peakRssMB: Math.max(...rs.map((x) => x.peakRssMB)), peakHeapMB: Math.max(...rs.map((x) => x.peakHeapMB)) };
  };
  const results = [summarize(runs.ours), summarize(runs.papa)];
  if (results[0].rows !== results[1].rows || results[0].checksum !== results[1].checksum)
    throw new Error(`parsers disagree: ${JSON.stringify(results)}`);

  const env = { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function' };
  const table = [
    `| parser | rows | seconds | rows/s | MB/s | peak RSS +MB | peak heap +MB |`,
    `|---|---:|---:|---:|---:|---:|---:|`,
    ...results.map((r) => `| ${r.parser} | ${r.rows.toLocaleString('en-US')} | ${r.seconds} | ${r.rowsPerSec.toLocaleString('en-US')} | ${r.mbPerSec} | ${r.peakRssMB} | ${r.peakHeapMB} |`),
  ].join('\n');
  console.log('\n' + table + '\n');
  const speedup = results[0].rowsPerSec / results[1].rowsPerSec;
  const json = { benchmark: 'ingest', date: new Date().toISOString(), rounds, allRuns: runs, loadAverage: loadavg(), file: { rows: args.rows, bytes: size, schema: 'big_matrix.csv (synthetic, seed 1)', generateSeconds: +genSec.toFixed(1) }, quick: args.quick, results, speedupOursVsPapaparse: +speedup.toFixed(2), environment: env };
  await mkdir(args.out, { recursive: true });
  // --quick (CI smoke) writes bench-ingest-quick.* so it never overwrites the full run's results
  const stem = args.quick ? 'bench-ingest-quick' : 'bench-ingest';
  await writeFile(join(args.out, `${stem}.json`), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(args.out, `${stem}.md`), [
    `# Ingest benchmark (${new Date().toISOString().slice(0, 10)})`, '',
    `File: synthetic big_matrix.csv schema, ${args.rows.toLocaleString('en-US')} rows, ${(size / 1e6).toFixed(1)} MB. Node ${process.version}, ${env.cpus} CPUs (${env.cpu}).`,
    `Both parsers stream the same file from disk in this process, alternating over ${rounds} round(s), into the same typed columns; times are medians. Peak memory = max increase over the value before a run (sampled every 20 ms; the order alternates per round because RSS is not returned to the OS, so RSS deltas of a second run understate; heap deltas are reliable). Load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(', ')} (shared machine).`, '',
    table, '',
    `Ours / papaparse throughput: ${speedup.toFixed(2)}x. Reproduce: \`npm run bench:ingest -- --rows ${args.rows}\` (add NODE_OPTIONS=--expose-gc for a forced GC between runs; \`--rows 12500000\` for the full big_matrix size).`, '',
  ].join('\n'));
  if (!args.keep) await rm(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
