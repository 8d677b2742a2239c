// Plotly builds the app could load, side by side in one Chromium (issue 12 item 4): the full plotly.js-dist-min bundle
// (what the app loaded before), plotly's published partial bundles (cartesian: no sunburst; basic: no heatmap or
// sunburst) and the app's own partial build (src/ui/components/plotly-partial.ts: lib/core + bar, heatmap, sunburst,
// built here by vite with the app's config). Per build, in a fresh page each round: bytes (raw, gzip), the main-thread
// task that evaluates it (wall clock and main-thread CPU from a trace) and the first draw of each trace type the app
// uses (synchronous part, wall). Medians over rounds.
//   npm run bench:plotly -- [--rounds 3] [--out docs/results]
// Writes <out>/bench-plotly.{json,md} and the figures section of docs/app.md.
import { mkdtemp, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { CHROMIUM, QUIET_ARGS } from '../e2e/chromium';
import { writeDocSection } from './doc-section';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = ['scatter', 'bar', 'heatmap', 'sunburst'] as const;

function fail(msg: string): never {
  console.error(`bench:plotly: ${msg}`);
  process.exit(1);
}

interface Build { id: string; label: string; file: string; module: boolean; types: readonly string[] }

async function main() {
  const argv = process.argv.slice(2);
  let rounds = 3;
  let out = 'docs/results';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--out') out = argv[++i];
    else fail(`unknown option ${argv[i]} (--rounds N, --out dir)`);
  }
  if (!(Number.isInteger(rounds) && rounds >= 1)) fail('--rounds needs a positive integer');
  const dir = await mkdtemp(join(tmpdir(), 'higr-bench-plotly-'));
  try {
    // the app's partial build, with the app's vite config (its plugins drop maplibre's stylesheet)
    await build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'error', build: { outDir: join(dir, 'app'), emptyOutDir: true, lib: { entry: join(ROOT, 'src/ui/components/plotly-partial.ts'), formats: ['es'], fileName: 'plotly-partial' }, minify: true } });
    const dist = join(ROOT, 'node_modules/plotly.js/dist');
    const version = JSON.parse(await readFile(join(ROOT, 'node_modules/plotly.js/package.json'), 'utf8')).version as string;
    const builds: Build[] = [
      { id: 'full', label: `plotly.js ${version} full (= plotly.js-dist-min, loaded before)`, file: join(dist, 'plotly.min.js'), module: false, types: TYPES },
      { id: 'cartesian', label: `plotly.js ${version} cartesian partial bundle (no sunburst)`, file: join(dist, 'plotly-cartesian.min.js'), module: false, types: ['scatter', 'bar', 'heatmap'] },
      { id: 'basic', label: `plotly.js ${version} basic partial bundle (no heatmap, no sunburst)`, file: join(dist, 'plotly-basic.min.js'), module: false, types: ['scatter', 'bar'] },
      { id: 'app', label: 'app build: lib/core + bar, heatmap, sunburst (src/ui/components/plotly-partial.ts)', file: join(dir, 'app/plotly-partial.js'), module: true, types: TYPES },
    ];
    const serve = join(dir, 'serve');
    await mkdir(serve);
    for (const b of builds) {
      if (!existsSync(b.file)) fail(`${b.file}: not found (npm ci?)`);
      await copyFile(b.file, join(serve, `${b.id}.${b.module ? 'mjs' : 'js'}`));
    }
    await writeFile(join(serve, 'index.html'), '<!doctype html><html><body></body></html>');
    // @ts-expect-error plain .mjs helper without types
    const { serveStatic } = await import('../scripts/static-server.mjs');
    const srv = await serveStatic(serve);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: QUIET_ARGS });
    type Round = { evalWallMs: number; evalCpuMs: number; draws: Record<string, number> };
    const results = [];
    try {
      const all: Record<string, Round[]> = {};
      for (let r = 0; r < rounds; r++) {
        for (const b of r % 2 ? [...builds].reverse() : builds) {
          const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
          await page.goto(`${srv.url}index.html`);
          await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing'] });
          const m = await page.evaluate(async ({ name, module, types }) => {
            performance.mark('load-start');
            let P: { react: (el: HTMLElement, d: unknown[], l: unknown, c: unknown) => Promise<unknown> };
            if (module) P = (await import(`./${name}`)).default;
            else {
              await new Promise((res, rej) => { const s = document.createElement('script'); s.src = name; s.onload = res; s.onerror = rej; document.head.appendChild(s); });
              P = (window as unknown as { Plotly: typeof P }).Plotly;
            }
            performance.mark('load-end');
            await new Promise((res) => setTimeout(res, 200));
            const data: Record<string, unknown[]> = {
              scatter: [{ type: 'scatter', mode: 'lines', name: 'a', x: [0, 1, 2], y: [1, 2, 1.5] }, { type: 'scatter', mode: 'lines', name: 'b', x: [0, 1, 2], y: [2, 1, 1] }],
              bar: [{ type: 'bar', x: ['a', 'b', 'c'], y: [1, 2, 3] }],
              heatmap: [{ type: 'heatmap', z: [[1, 2], [3, 4]], showscale: false }],
              sunburst: [{ type: 'sunburst', ids: ['a', 'a-b', 'a-c'], labels: ['a', 'b', 'c'], parents: ['', 'a', 'a'], values: [3, 1, 2], branchvalues: 'total' }],
            };
            const draws: Record<string, number> = {};
            for (const t of types) {
              const el = document.createElement('div');
              el.style.cssText = 'width:600px;height:300px';
              document.body.appendChild(el);
              const t0 = performance.now();
              const p = P.react(el, data[t], { height: 300 }, { displayModeBar: false });
              draws[t] = performance.now() - t0;
              await p;
              await new Promise((res) => setTimeout(res, 100));
            }
            return { draws };
          }, { name: `${b.id}.${b.module ? 'mjs' : 'js'}`, module: b.module, types: b.types as string[] });
          const trace = JSON.parse((await browser.stopTracing()).toString('utf8')).traceEvents as { name: string; ph: string; ts: number; dur?: number; tdur?: number; pid: number; tid: number }[];
          const a = trace.find((e) => e.name === 'load-start');
          const z = trace.find((e) => e.name === 'load-end');
          if (!a || !z) fail('trace without the load marks');
          // the longest main-thread task between the load marks: the one that evaluates the bundle
          const tasks = trace.filter((e) => e.pid === a.pid && e.tid === a.tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.ts + (e.dur ?? 0) >= a.ts && e.ts <= z.ts);
          const top = tasks.reduce((m, e) => ((e.dur ?? 0) > (m?.dur ?? -1) ? e : m), tasks[0]);
          (all[b.id] ??= []).push({ evalWallMs: (top?.dur ?? 0) / 1000, evalCpuMs: (top?.tdur ?? 0) / 1000, draws: m.draws });
          await page.context().close();
          console.log(`round ${r + 1}/${rounds} ${b.id}: evaluation task ${((top?.dur ?? 0) / 1000).toFixed(0)} ms wall / ${((top?.tdur ?? 0) / 1000).toFixed(0)} ms CPU; first draws ${Object.entries(m.draws).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} ms`);
        }
      }
      const med = (xs: number[]) => { const s = [...xs].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
      for (const b of builds) {
        const bytes = await readFile(b.file);
        const rs = all[b.id];
        results.push({
          id: b.id, label: b.label, bytes: bytes.length, gzipBytes: gzipSync(bytes).length, traces: b.types,
          evalWallMs: +med(rs.map((x) => x.evalWallMs)).toFixed(1), evalCpuMs: +med(rs.map((x) => x.evalCpuMs)).toFixed(1),
          firstDrawMs: Object.fromEntries(TYPES.map((t) => [t, b.types.includes(t) ? +med(rs.map((x) => x.draws[t])).toFixed(1) : null])),
          rounds: rs,
        });
      }
    } finally {
      await browser.close();
      await srv.close();
    }
    const mb = (n: number) => (n / 1e6).toFixed(2);
    const full = results.find((x) => x.id === 'full')!;
    const app = results.find((x) => x.id === 'app')!;
    const load = loadavg().map((x) => x.toFixed(1)).join(', ');
    const table = [
      `| build | MB | MB gzip | evaluation task, wall ms | evaluation task, CPU ms | first draw ms: ${TYPES.join(' / ')} |`,
      '|---|---:|---:|---:|---:|---|',
      ...results.map((r) => `| ${r.label} | ${mb(r.bytes)} | ${mb(r.gzipBytes)} | ${r.evalWallMs.toFixed(0)} | ${r.evalCpuMs.toFixed(0)} | ${TYPES.map((t) => (r.firstDrawMs[t] === null ? 'n/a' : r.firstDrawMs[t]!.toFixed(0))).join(' / ')} |`),
    ].join('\n');
    const summary = `The app's build is ${mb(app.bytes)} MB (${mb(app.gzipBytes)} MB gzip) instead of ${mb(full.bytes)} MB (${mb(full.gzipBytes)} MB gzip), ${(full.bytes / app.bytes).toFixed(1)}× smaller; its evaluation task ${app.evalCpuMs.toFixed(0)} ms CPU vs ${full.evalCpuMs.toFixed(0)} ms (medians of ${rounds} rounds, Chromium, ${cpus().length} CPUs, load average ${load}: wall-clock figures stretch with the load, CPU figures less so).`;
    console.log(`\n${table}\n\n${summary}\n`);
    const json = {
      benchmark: 'plotly', date: new Date().toISOString(),
      protocol: 'each build loaded in a fresh Chromium page (classic script or ES module), rounds alternate the order; the longest main-thread task between the load marks = evaluation (trace: wall dur, CPU tdur); then one draw per trace type the app uses (synchronous part of Plotly.react, wall); medians',
      settings: { rounds }, seed: null, results,
      environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, chromium: CHROMIUM, loadAverage: loadavg() },
    };
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'bench-plotly.json'), JSON.stringify(json, null, 2) + '\n');
    await writeFile(join(out, 'bench-plotly.md'), [`# Plotly builds (${json.date.slice(0, 10)})`, '', table, '', summary, '', 'Reproduce: `npm run bench:plotly`.', ''].join('\n'));
    if (resolve(out) === resolve(ROOT, 'docs/results')) writeDocSection(join(ROOT, 'docs/app.md'), 'plotly', `${table}\n\n${summary}\n\n(written by \`npm run bench:plotly\`, ${json.date.slice(0, 10)}; JSON in docs/results/bench-plotly.json)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
