// Decoding efficiency study (paper Figures 4-5): GSBI vs the OneRec-style flat decoder at matched parameter count.
//   npm run bench:decode -- [--quick] [--seed N] [--hosts node,chromium] [--backends wasm,webgpu] [--users N]
//                           [--webgpu-users N] [--reps N] [--webgpu-reps N] [--epochs N] [--steps N] [--fresh] [--out docs/results]
// Trains both models once in Node (wasm) with the one slate-model trainer and each model's Table 1 recipe (HiGR:
// HSD_REAL_DATA; OneRec-style: its generative.ts recipe; SIDs: SID_TOKENIZER, the Table 1 SIDs) on the reference
// leave-five-out protocol, then times decoding of the same test users in each host — Node, and a headless Chromium page
// (bench/browser/decode-page.ts) that rebuilds the same weights — on each backend: wasm (every row: speed vs quality
// at L = 5 with/without KV cache, and quality vs slate length L ∈ {1,2,3,4,5,10}) and WebGPU (speed rows on fewer users,
// the trie beam on the device — GSBI's default there — and on the host, both labelled). Each speed row is the median of
// --reps (wasm, default 3) / --webgpu-reps (default 2) interleaved passes. The trained weights are kept in
// .higr/bench-decode/<key>.json (key = settings + SIDs) so a re-run only re-times; --fresh retrains.
// Prints markdown tables; writes <out>/bench-decode.json (rows[] = { method, cache, L, host, backend, path,
// slatesPerSec, recall5, … }) and bench-decode.md; the full run also writes the figures section of
// docs/generative-baselines.md (bench/doc-section.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliGpu, mdTable, environment, releaseGpu } from '../src/cli/result';
import { loadBundledDataset } from '../src/data/bundled';
import { bundledDataDir, nodeFetchLike } from '../src/data/node-file';
import { initCpu, initWasm, setBackend, WebGPUBackend } from '../src/engine';
import { DECODE_METHODS, decodePayload, decodeStudyDefaults, decodeStudySettings, measurePayload, speedRatios, studyUsers, trainDecodeModels, type DecodePayload, type DecodeRow, type DecodeRun } from '../src/eval/decode-study';
import { SID_TOKENIZER } from '../src/eval/generative';
import { CHROMIUM, ROOT, runInChromium } from './browser-host';
import { writeDocSection } from './doc-section';
import { referenceSplit, sidsForDataset, slateInputs } from '../src/train/slate-data';
import type { PageResult } from './browser/decode-page';

const BACKENDS = ['wasm', 'webgpu'] as const;

function parse(argv: string[]) {
  const a = { quick: false, fresh: false, seed: 0, out: 'docs/results', users: -1, webgpuUsers: -1, reps: 0, webgpuReps: 0, epochs: 0, steps: 0, hosts: ['node', 'chromium'], backends: [...BACKENDS] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = (name: string) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs an integer >= 0 (got "${argv[i]}")`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--fresh') a.fresh = true;
    else if (k === '--seed') a.seed = num('seed');
    else if (k === '--users') a.users = num('users');
    else if (k === '--webgpu-users') a.webgpuUsers = num('webgpu-users');
    else if (k === '--reps') a.reps = num('reps');
    else if (k === '--webgpu-reps') a.webgpuReps = num('webgpu-reps');
    else if (k === '--epochs') a.epochs = num('epochs');
    else if (k === '--steps') a.steps = num('steps');
    else if (k === '--hosts') a.hosts = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (k === '--backends') a.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown flag ${k}`);
  }
  if (!a.hosts.length || a.hosts.some((h) => h !== 'node' && h !== 'chromium')) throw new Error(`--hosts must be a comma-separated subset of node,chromium (got "${a.hosts.join(',')}")`);
  if (!a.backends.length || a.backends.some((b) => !(BACKENDS as readonly string[]).includes(b))) throw new Error(`--backends must be a comma-separated subset of ${BACKENDS.join(',')} (got "${a.backends.join(',')}")`);
  return a;
}

const f = (x: number, d = 4) => Number(x.toFixed(d));
const LABEL: Record<DecodeRow['method'], string> = { gsbi: 'GSBI (HiGR), B=5', 'onerec-greedy': 'OneRec-style, greedy', 'onerec-beam': 'OneRec-style, beam B=5' };
const pathLabel = (r: DecodeRow) => `${r.path}${r.defaultPath ? ' (default)' : ''}`;

async function main() {
  const a = parse(process.argv.slice(2));
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
  const trainBackend = (await initWasm()).describe(); // training (and the tokenizer) on wasm: the fastest backend on this machine
  const ws = (await loadBundledDataset(nodeFetchLike(bundledDataDir()), {})).workspace;
  const source = 'bundled KuaiRec (public/data)';
  const ds = ws.build().dataset;
  const split = referenceSplit(ds, { slateSize: 5, minItems: 10 });
  const sidLabel = `${SID_TOKENIZER.kind} D = ${SID_TOKENIZER.levels}, K = ${SID_TOKENIZER.codebookSize} (SID_TOKENIZER, the Table 1 SIDs)`;
  const sids = await sidsForDataset(ws, ds, { ...SID_TOKENIZER, seed: a.seed });
  log(`${source}: ${split.users} users, ${ds.itemIds.length} items; SID widths [${sids.table.widths}] (${sidLabel}), collision rate ${sids.tokenizer.collisionRate.toFixed(3)}`);
  // each model's Table 1 recipe (--epochs / --steps override both); the study decodes with B = 5
  const base = decodeStudyDefaults({ seed: a.seed, quick: a.quick });
  const over = { ...(a.epochs ? { epochs: a.epochs } : {}), ...(a.steps ? { stepsPerEpoch: a.steps } : {}) };
  const settings = decodeStudySettings({
    ...base,
    train: { gsbi: { ...base.train.gsbi, ...over }, onerec: { ...base.train.onerec, ...over } },
    evalUsers: a.users >= 0 ? a.users : a.quick ? 16 : 0,
  });
  const webgpuUsers = a.webgpuUsers >= 0 ? a.webgpuUsers : a.quick ? 8 : 32;
  const reps = a.reps || (a.quick ? 1 : 3), webgpuReps = a.webgpuReps || (a.quick ? 1 : 2);
  const inputs = slateInputs(ds, split, sids.table);
  const M = 5;
  const users = studyUsers(inputs, split.test, settings, M);

  // the trained weights, kept per settings + SIDs: a re-run re-times without retraining
  const key = createHash('sha256').update(JSON.stringify({ settings, widths: sids.table.widths, sids: Array.from(sids.table.sids), split: [split.users, split.train.user.length] })).digest('hex').slice(0, 12);
  const cacheFile = path.join(ROOT, '.higr', 'bench-decode', `${key}.json`);
  let payload: DecodePayload;
  let cached = false;
  if (!a.fresh && existsSync(cacheFile)) {
    payload = JSON.parse(readFileSync(cacheFile, 'utf8')) as DecodePayload;
    cached = true;
    log(`trained weights from ${path.relative(ROOT, cacheFile)} (--fresh retrains)`);
  } else {
    const models = await trainDecodeModels(inputs, settings, { log });
    payload = await decodePayload(models, inputs, users, settings);
    models.hsd.dispose();
    models.flat.dispose();
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, JSON.stringify(payload));
    log(`kept the trained weights in ${path.relative(ROOT, cacheFile)}`);
  }
  const trainSeconds = (performance.now() - t0) / 1000;

  const runs: DecodeRun[] = a.backends.map((b) => (b === 'wasm' ? { backend: 'wasm', paths: 'default', studies: ['speed', 'length'], users: 0, reps } : { backend: 'webgpu', paths: 'both', studies: ['speed'], users: webgpuUsers, reps: webgpuReps }));
  const rows: DecodeRow[] = [];
  const hosts: Record<string, { runtime: string; backends: Record<string, string>; userAgent?: string; seconds: number }> = {};
  if (a.hosts.includes('node')) {
    const h0 = performance.now();
    let gpu: WebGPUBackend | null = null;
    const useBackend = async (kind: DecodeRun['backend']) => {
      if (kind === 'wasm') return (await initWasm()).describe();
      if (kind === 'cpu') return initCpu().describe();
      gpu ??= new WebGPUBackend(await cliGpu());
      setBackend(gpu);
      return gpu.describe();
    };
    const r = await measurePayload(payload, runs, { host: 'node', useBackend, log });
    rows.push(...r.rows);
    hosts.node = { runtime: `Node ${process.version}`, backends: r.backends, seconds: (performance.now() - h0) / 1000 };
  }
  if (a.hosts.includes('chromium')) {
    const h0 = performance.now();
    const r = await runInChromium<{ payload: DecodePayload; runs: DecodeRun[] }, PageResult>({ html: 'decode.html', fn: '__runDecode', config: { payload, runs }, log });
    rows.push(...r.result.rows);
    hosts.chromium = { runtime: `Chromium ${r.browserVersion} (${CHROMIUM}, headless)`, backends: r.result.backends, userAgent: r.result.userAgent, seconds: (performance.now() - h0) / 1000 };
  }
  const ratios = speedRatios(rows);
  const totalSeconds = (performance.now() - t0) / 1000;
  const env = { ...(await environment()), cpus: os.cpus().length, loadavg: os.loadavg().map((x) => f(x, 2)) };

  // ---- tables ----
  const groups = [...new Set(rows.map((r) => `${r.host}/${r.backend}`))];
  const sections: string[] = [];
  for (const g of groups) {
    const [host, backend] = g.split('/');
    const at = rows.filter((r) => r.host === host && r.backend === backend);
    const speed = at.filter((r) => r.study === 'speed');
    const len = at.filter((r) => r.study === 'length');
    const gs = speed.find((r) => r.method === 'gsbi' && r.cache && r.defaultPath)!;
    const t1 = mdTable(
      ['method', 'KV cache', 'trie beam on', 'L', 'slates/s (median)', 'passes (slates/s)', 'GSBI (cached, default) speed-up', 'recall@5', 'NDCG@5', 'users', 'seconds / pass', 'same slates as default path'],
      speed.map((r) => [LABEL[r.method], r.cache ? 'yes' : 'no', pathLabel(r), r.L, f(r.slatesPerSec, 2), r.runs.map((x) => f(x, 1)).join(', '), `${f(gs.slatesPerSec / r.slatesPerSec, 2)}×`, f(r.recall5), f(r.ndcg5), r.users, f(r.seconds, 2), r.sameSlates === undefined ? '' : r.sameSlates ? 'yes' : 'NO']),
    );
    const h = hosts[host];
    let sec = `## ${host}, ${backend}: speed vs quality (L = 5)\n\n${h.runtime}, backend ${h.backends[backend]}.\n\n${t1}\n`;
    if (len.length) {
      const Ls = [...new Set(len.map((r) => r.L))];
      const t2 = mdTable(
        ['L', ...DECODE_METHODS.map((m) => `${LABEL[m]}: recall@L`), ...DECODE_METHODS.map((m) => `${LABEL[m]}: recall@5`), ...DECODE_METHODS.map((m) => `${LABEL[m]}: slates/s`)],
        Ls.map((L) => {
          const r = (m: string) => len.find((x) => x.L === L && x.method === m)!;
          return [L, ...DECODE_METHODS.map((m) => f(r(m).recallL)), ...DECODE_METHODS.map((m) => f(r(m).recall5)), ...DECODE_METHODS.map((m) => f(r(m).slatesPerSec, 2))];
        }),
      );
      sec += `\n## ${host}, ${backend}: quality vs slate length (KV cache on, each method's default path)\n\n${t2}\n`;
    }
    sections.push(sec);
  }
  const valid = (v: number[]) => v.map((x) => f(x)).join(', ');
  const tr = payload.training;
  const gT = settings.train.gsbi, oT = settings.train.onerec;
  const head = [
    `Data: ${source}, reference leave-five-out protocol (${split.users} users, ${ds.itemIds.length} items; target = the last 5 effective views, history excluded). wasm rows decode ${payload.histories.length} test users${settings.evalUsers ? ' (a seeded subsample)' : ' (all)'}; WebGPU rows the first ${Math.min(webgpuUsers || payload.histories.length, payload.histories.length)} of them (SwiftShader is slow), speed study only.`,
    `Models: HiGR hierarchical slate decoder ${payload.params.gsbi} parameters vs OneRec-style flat decoder ${payload.params.onerec} parameters (d = ${payload.hsd.config.dim}, ${payload.hsd.config.slateLayers}+${payload.hsd.config.itemLayers} vs ${payload.flat.config.layers} decoder blocks, same encoder), SIDs ${sidLabel}, widths [${sids.table.widths}]; decoding M = ${M}, D = ${SID_TOKENIZER.levels} (+ the collision level), B = ${settings.beam}.`,
    `Training (the one slate-model trainer, each model's Table 1 recipe, seed ${a.seed}, Node on ${trainBackend}): HSD up to ${gT.epochs}×${gT.stepsPerEpoch} steps of ${gT.batchSize}, lr ${gT.lr}, patience ${gT.patience}; OneRec-style up to ${oT.epochs}×${oT.stepsPerEpoch} steps of ${oT.batchSize}, lr ${oT.lr}, patience ${oT.patience}. Validation recall@5 per epoch (best epoch kept): HSD ${valid(tr.gsbi.validRecall5)} (best ${tr.gsbi.bestEpoch}, ${f(tr.gsbi.seconds, 0)} s); OneRec-style ${valid(tr.onerec.validRecall5)} (best ${tr.onerec.bestEpoch}, ${f(tr.onerec.seconds, 0)} s).${cached ? ` Weights from the kept run ${key}.` : ''}`,
    `Machine: ${env.cpus} cpus shared with other jobs, load ${env.loadavg.join('/')} at the end. Run time ${f(totalSeconds / 60, 1)} min (${cached ? `weights kept from an earlier run, whose training took ${f((tr.gsbi.seconds + tr.onerec.seconds) / 60, 1)} min` : `tokenizer + training ${f(trainSeconds / 60, 1)} min`}; ${Object.entries(hosts).map(([h, x]) => `${h} timing ${f(x.seconds / 60, 1)} min`).join(', ')}). Decoding in batches of ${settings.decodeBatch} users; wall-clock after one untimed warm-up batch per pass; speed rows: median of ${reps} (wasm) / ${webgpuReps} (WebGPU) interleaved passes (each round times every row once, the order reversed on odd rounds); length rows: one pass.${a.quick ? ' --quick: tiny training, few users (not a result).' : ''}`,
  ].join('\n');
  const summary = studySummary(rows, ratios);
  const md = `# Decoding efficiency (regenerated by \`npm run bench:decode\`)\n\n${head}\n\n${summary}\n\n${sections.join('\n')}`;
  process.stdout.write(md);
  await mkdir(a.out, { recursive: true });
  const json = {
    command: 'bench:decode',
    protocol: { source, users: split.users, items: ds.itemIds.length, test: 'target = the last 5 effective views; input = everything before them; history excluded', evalUsers: payload.histories.length, webgpuUsers },
    settings: { ...settings, reps, webgpuReps, trainBackend, hosts: a.hosts, backends: a.backends, runs, quick: a.quick, tokenizer: { ...SID_TOKENIZER, widths: sids.table.widths, collisionRate: sids.tokenizer.collisionRate }, weights: { key, cached } },
    seed: a.seed,
    environment: { ...env, backend: trainBackend, hosts },
    seconds: { total: totalSeconds, training: cached ? 0 : trainSeconds, ...Object.fromEntries(Object.entries(hosts).map(([h, x]) => [h, x.seconds])) },
    params: payload.params,
    training: payload.training,
    ratios,
    rows,
  };
  await writeFile(path.join(a.out, 'bench-decode.json'), JSON.stringify(json, null, 1));
  if (!a.quick) {
    await writeFile(path.join(a.out, 'bench-decode.md'), md);
    writeDocSection(path.join(ROOT, 'docs/generative-baselines.md'), 'decode', `${head}\n\n${summary}\n\nAll rows: [\`docs/results/bench-decode.md\`](results/bench-decode.md).`);
  }
  log(`wrote ${path.join(a.out, 'bench-decode.json')}${a.quick ? '' : ', bench-decode.md and the docs/generative-baselines.md figures'}`);
  await releaseGpu();
}

/** The figures the doc quotes, computed from the rows: speed ratios per host/backend and the quality comparison. */
function studySummary(rows: DecodeRow[], ratios: ReturnType<typeof speedRatios>): string {
  const groups = [...new Set(ratios.map((r) => `${r.host}/${r.backend}`))];
  const cols: [string, (r: (typeof ratios)[number]) => boolean][] = [
    ['beam B=5, no cache', (r) => r.method === 'onerec-beam' && !r.cache],
    ['beam B=5, KV cache', (r) => r.method === 'onerec-beam' && r.cache],
    ['greedy, no cache', (r) => r.method === 'onerec-greedy' && !r.cache],
    ['greedy, KV cache', (r) => r.method === 'onerec-greedy' && r.cache],
  ];
  const cell = (g: string, pick: (r: (typeof ratios)[number]) => boolean) => {
    const rs = ratios.filter((r) => `${r.host}/${r.backend}` === g && pick(r));
    return rs.map((r) => `${f(r.ratio, 2)}×${rs.length > 1 ? ` (${r.path})` : ''}`).join(', ');
  };
  const gsbiPath = (g: string) => rows.find((r) => `${r.host}/${r.backend}` === g && r.method === 'gsbi' && r.cache && r.defaultPath && r.study === 'speed')!.path;
  const t = mdTable(['host / backend', 'GSBI trie beam on', ...cols.map(([c]) => `GSBI vs OneRec-style ${c}`)], groups.map((g) => [g, gsbiPath(g), ...cols.map(([, p]) => cell(g, p))]));
  const claim = ratios.filter((r) => r.method === 'onerec-beam' && !r.cache && r.path === 'host');
  const holds = claim.filter((r) => r.ratio > 5).map((r) => `${r.host}/${r.backend} ${f(r.ratio, 1)}×`);
  const fails = claim.filter((r) => r.ratio <= 5).map((r) => `${r.host}/${r.backend} ${f(r.ratio, 1)}×`);
  const lines = [`**Speed-up of GSBI (B = 5, KV cache, its default path) over each OneRec-style row at L = 5** (slates/s ratio, same weights and users within a row):`, '', t, ''];
  lines.push(`- Paper: GSBI > 5× faster than OneRec's beam search without KV cache (flat decoder on its default host path) — ${holds.length ? `holds in ${holds.join(', ')}` : 'holds nowhere'}${fails.length ? `; does not hold in ${fails.join(', ')}` : ''}.`);
  // quality: the wasm rows of the first host (recall does not depend on host, backend or path: the same search)
  const q = rows.filter((r) => r.study === 'speed' && r.cache && r.defaultPath && r.backend === 'wasm');
  const qHost = q[0]?.host;
  const at = (m: string) => q.find((r) => r.host === qHost && r.method === m);
  const g = at('gsbi'), b = at('onerec-beam'), gr = at('onerec-greedy');
  if (g && b && gr) {
    const n = g.users;
    const hits = (r: DecodeRow) => Math.round(r.recall5 * 5 * n);
    const se = (r: DecodeRow) => Math.sqrt((r.recall5 * (1 - r.recall5)) / (5 * n));
    const sorted = [g, b, gr].sort((x, y) => y.recall5 - x.recall5);
    const order = sorted.map((r, i) => `${i ? (r.recall5 === sorted[i - 1].recall5 ? ' = ' : ' > ') : ''}${LABEL[r.method]}`).join('');
    lines.push(
      `- Quality at L = 5 (${qHost}, wasm, ${n} test users, ${5 * n} target items): recall@5 GSBI ${f(g.recall5)} (${hits(g)} hits, ±${f(se(g))} binomial s.e.), OneRec-style beam ${f(b.recall5)} (${hits(b)}, ±${f(se(b))}), greedy ${f(gr.recall5)} (${hits(gr)}, ±${f(se(gr))}); NDCG@5 ${f(g.ndcg5)} / ${f(b.ndcg5)} / ${f(gr.ndcg5)}. Order by recall@5: ${order}. Paper's order (HiGR above OneRec): ${g.recall5 > b.recall5 && g.recall5 > gr.recall5 ? 'holds' : 'does not hold'}${Math.abs(g.recall5 - b.recall5) < 2 * Math.hypot(se(g), se(b)) ? ' (GSBI vs beam within 2 s.e.)' : ''}.`,
    );
    const len = rows.filter((r) => r.study === 'length' && r.host === qHost && r.backend === 'wasm');
    const Ls = [...new Set(len.map((r) => r.L))];
    const lead = Ls.map((L) => {
      const x = (m: string) => len.find((r) => r.L === L && r.method === m)!;
      const best = DECODE_METHODS.reduce((p, m) => (x(m).recallL > x(p).recallL ? m : p), 'gsbi' as DecodeRow['method']);
      return `L = ${L}: GSBI ${f(x('gsbi').recallL)} vs beam ${f(x('onerec-beam').recallL)} vs greedy ${f(x('onerec-greedy').recallL)} (best ${LABEL[best]})`;
    });
    lines.push(`- Quality vs slate length (recall@L, ${qHost}, wasm): ${lead.join('; ')}.`);
  }
  const differ = rows.filter((r) => r.sameSlates === false);
  const checked = rows.filter((r) => r.sameSlates !== undefined);
  if (checked.length) lines.push(`- Device vs host trie beam: ${checked.length - differ.length} of ${checked.length} non-default-path rows decoded the same slates as the default path${differ.length ? ` (differ: ${differ.map((r) => `${r.host}/${r.backend} ${r.method} cache=${r.cache}`).join(', ')})` : ''}.`);
  return lines.join('\n');
}

main().catch((e) => {
  process.stderr.write(`bench:decode: ${(e as Error).message}\n`);
  process.exit(1);
});
