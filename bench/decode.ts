// Decoding efficiency study (paper Figures 4-5): GSBI vs the OneRec-style flat decoder at matched parameter count.
//   npm run bench:decode -- [--quick] [--seed N] [--backend wasm|cpu|webgpu] [--hosts node,chromium] [--users N]
//                           [--epochs N] [--steps N] [--out docs/results]
// Trains both models once in Node with the one slate-model trainer (each selected on validation recall@5; tokenizer:
// the table1 SID setting) on the reference leave-five-out protocol, then times decoding of the same test users in each
// host — Node, and a headless Chromium page (bench/browser/decode-page.ts, wasm backend) that rebuilds the same
// weights: speed vs quality at L = 5 (with/without KV cache), and quality vs slate length L ∈ {1,2,3,4,5,10}. Prints
// markdown tables; writes <out>/bench-decode.json (rows[] = { method, cache, L, host, slatesPerSec, recall5, … }) and
// bench-decode.md.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliGpu, mdTable, environment, releaseGpu } from '../src/cli/result';
import { loadBundledDataset } from '../src/data/bundled';
import { bundledDataDir, nodeFetchLike } from '../src/data/node-file';
import { initCpu, initWasm, setBackend, WebGPUBackend } from '../src/engine';
import { DEFAULT_FEATURE_SPEC } from '../src/data/item-features';
import { DECODE_STUDY_DEFAULTS, decodePayload, decodeStudySettings, measureDecoding, speedRatios, studyUsers, trainDecodeModels, type DecodeRow } from '../src/eval/decode-study';
import { PrefixTrie } from '../src/models/sid-table';
import { CHROMIUM, runInChromium } from './browser-host';
import { referenceSplit, sidsForDataset, slateInputs } from '../src/train/slate-data';

function parse(argv: string[]) {
  const a = { quick: false, seed: 0, backend: 'wasm', out: 'docs/results', users: 0, epochs: 0, steps: 0, hosts: ['node', 'chromium'] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = (name: string) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs an integer >= 0 (got "${argv[i]}")`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--seed') a.seed = num('seed');
    else if (k === '--users') a.users = num('users');
    else if (k === '--epochs') a.epochs = num('epochs');
    else if (k === '--steps') a.steps = num('steps');
    else if (k === '--backend') a.backend = argv[++i];
    else if (k === '--hosts') a.hosts = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown flag ${k}`);
  }
  if (!['wasm', 'cpu', 'webgpu'].includes(a.backend)) throw new Error(`--backend must be wasm, cpu or webgpu (got "${a.backend}")`);
  if (!a.hosts.length || a.hosts.some((h) => h !== 'node' && h !== 'chromium')) throw new Error(`--hosts must be a comma-separated subset of node,chromium (got "${a.hosts.join(',')}")`);
  return a;
}

const f = (x: number, d = 4) => Number(x.toFixed(d));
const LABEL: Record<DecodeRow['method'], string> = { gsbi: 'GSBI (HiGR), B=5', 'onerec-greedy': 'OneRec-style, greedy', 'onerec-beam': 'OneRec-style, beam B=5' };

async function main() {
  const a = parse(process.argv.slice(2));
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
  let backend = a.backend;
  if (a.backend === 'webgpu') setBackend(new WebGPUBackend(await cliGpu()));
  else if (a.backend === 'wasm') backend = (await initWasm()).describe();
  else initCpu();
  const ws = (await loadBundledDataset(nodeFetchLike(bundledDataDir()), {})).workspace;
  const source = 'bundled KuaiRec (public/data)';
  const ds = ws.build().dataset;
  const split = referenceSplit(ds, { slateSize: 5, minItems: 10 });
  const features = { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } };
  const sidSetting = { kind: 'rq-kmeans', levels: 3, codebookSize: 16, steps: 0 } as const;
  const sidLabel = `RQ-KMeans D = ${sidSetting.levels}, K = ${sidSetting.codebookSize}`;
  const sids = await sidsForDataset(ws, ds, { ...sidSetting, seed: a.seed, features });
  log(`${source}: ${split.users} users, ${ds.itemIds.length} items; SID widths [${sids.table.widths}] (${sidLabel})`);
  // properly trained: the recipe of `higr train` (lr 4e-3, warm-up 100, batch 32) at its width (d = 32), 3 × 600 steps
  // each (what the 2-core machine allows for both models), each model's best validation epoch kept
  const settings = decodeStudySettings({
    ...DECODE_STUDY_DEFAULTS,
    seed: a.seed,
    epochs: a.epochs || (a.quick ? 1 : 3),
    stepsPerEpoch: a.steps || (a.quick ? 20 : 600),
    lr: a.quick ? 2e-3 : 4e-3,
    patience: 0,
    evalUsers: a.users || (a.quick ? 16 : 128),
    validUsers: a.quick ? 16 : 200,
    decodeBatch: 32,
  });
  const inputs = slateInputs(ds, split, sids.table);
  const models = await trainDecodeModels(inputs, settings, { log });
  const M = models.hsd.cfg.slateSize;
  const users = studyUsers(inputs, split.test, settings, M);
  const lookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
  const rows: DecodeRow[] = [];
  const hosts: Record<string, unknown> = {};
  if (a.hosts.includes('node')) {
    rows.push(...(await measureDecoding({ ...models, lookup }, users, settings, { host: 'node', log })));
    hosts.node = { runtime: `Node ${process.version}`, backend };
  }
  if (a.hosts.includes('chromium')) {
    const payload = await decodePayload(models, inputs, users, settings);
    const r = await runInChromium<typeof payload, { rows: DecodeRow[]; backend: string; userAgent: string }>({ html: 'decode.html', fn: '__runDecode', config: payload, log });
    rows.push(...r.result.rows);
    hosts.chromium = { runtime: `Chromium ${r.browserVersion} (${CHROMIUM}, headless)`, backend: r.result.backend, userAgent: r.result.userAgent };
  }
  const params = { gsbi: models.hsd.numParameters(), onerec: models.flat.numParameters() };
  models.hsd.dispose();
  models.flat.dispose();
  const ratios = speedRatios(rows);

  const hostList = [...new Set(rows.map((r) => r.host))];
  const methods = ['gsbi', 'onerec-greedy', 'onerec-beam'] as const;
  const sections: string[] = [];
  for (const host of hostList) {
    const speed = rows.filter((r) => r.host === host && r.study === 'speed');
    const len = rows.filter((r) => r.host === host && r.study === 'length');
    const g = speed.find((r) => r.method === 'gsbi' && r.cache)!;
    const t1 = mdTable(
      ['method', 'KV cache', 'L', 'slates/s', 'GSBI (cached) speed-up', 'recall@5', 'NDCG@5', 'users', 'seconds'],
      speed.map((r) => [LABEL[r.method], r.cache ? 'yes' : 'no', r.L, f(r.slatesPerSec, 2), `${f(g.slatesPerSec / r.slatesPerSec, 2)}×`, f(r.recall5), f(r.ndcg5), r.users, f(r.seconds, 2)]),
    );
    const Ls = [...new Set(len.map((r) => r.L))];
    const t2 = mdTable(
      ['L', ...methods.map((m) => `${LABEL[m]}: recall@L`), ...methods.map((m) => `${LABEL[m]}: recall@5`), ...methods.map((m) => `${LABEL[m]}: slates/s`)],
      Ls.map((L) => {
        const at = (m: string) => len.find((r) => r.L === L && r.method === m)!;
        return [L, ...methods.map((m) => f(at(m).recallL)), ...methods.map((m) => f(at(m).recall5)), ...methods.map((m) => f(at(m).slatesPerSec, 2))];
      }),
    );
    const h = hosts[host] as { runtime: string; backend: string };
    sections.push(`## ${host}: speed vs quality (L = 5)\n\n${h.runtime}, backend ${h.backend}.\n\n${t1}\n\n## ${host}: quality vs slate length (KV cache on)\n\n${t2}\n`);
  }
  const env = { ...(await environment()), cpus: os.cpus().length, loadavg: os.loadavg().map((x) => f(x, 2)) };
  const valid = (v: number[]) => v.map((x) => f(x)).join(', ');
  const head = [
    `Data: ${source}, reference leave-five-out protocol (${split.users} users, ${ds.itemIds.length} items; ${users.histories.length} test users decoded per row, history excluded, target = the last 5 effective views).`,
    `Models: HiGR hierarchical slate decoder ${params.gsbi} parameters vs OneRec-style flat decoder ${params.onerec} parameters (d = ${settings.model.dim}, ${settings.model.slateLayers}+${settings.model.itemLayers} vs ${(settings.model.slateLayers ?? 0) + (settings.model.itemLayers ?? 0)} decoder blocks, same encoder), both trained by the one slate-model trainer: up to ${settings.epochs}×${settings.stepsPerEpoch} steps of ${settings.batchSize} slates, lr ${settings.lr}, early stop patience ${settings.patience}, seed ${a.seed}, SIDs ${sidLabel}.`,
    `Validation recall@5 per epoch (${settings.validUsers} validation users; the best epoch is kept): HSD ${valid(models.training.gsbi.validRecall5)} (best ${models.training.gsbi.bestEpoch}); OneRec-style ${valid(models.training.onerec.validRecall5)} (best ${models.training.onerec.bestEpoch}).`,
    `Machine: ${env.cpus} cpus, load ${env.loadavg.join('/')} at the end. Training in Node on ${backend}; each host then times the same weights. Decoding in batches of ${settings.decodeBatch} users; wall-clock after one untimed warm-up batch.${a.quick ? ' --quick: tiny training, few users (not a result).' : ''}`,
    '',
    mdTable(['host', 'GSBI (cached) vs', 'speed-up'], ratios.map((r) => [r.host, r.vs, `${f(r.ratio, 2)}×`])),
  ].join('\n');
  const md = `# Decoding efficiency (regenerated by \`npm run bench:decode\`)\n\n${head}\n\n${sections.join('\n')}`;
  process.stdout.write(md);
  await mkdir(a.out, { recursive: true });
  const json = {
    command: 'bench:decode',
    protocol: { source, users: split.users, items: ds.itemIds.length, test: 'target = the last 5 effective views; input = everything before them; history excluded', evalUsers: users.histories.length },
    settings: { ...settings, backend, hosts: a.hosts, quick: a.quick, tokenizer: { ...sidSetting, widths: sids.table.widths } },
    seed: a.seed,
    environment: { ...env, backend, hosts },
    params,
    training: models.training,
    ratios,
    rows,
  };
  await writeFile(path.join(a.out, 'bench-decode.json'), JSON.stringify(json, null, 1));
  if (!a.quick) await writeFile(path.join(a.out, 'bench-decode.md'), md);
  log(`wrote ${path.join(a.out, 'bench-decode.json')}${a.quick ? '' : ' and bench-decode.md'}`);
  await releaseGpu();
}

main().catch((e) => {
  process.stderr.write(`bench:decode: ${(e as Error).message}\n`);
  process.exit(1);
});
