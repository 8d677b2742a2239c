// Decoding efficiency study (paper Figures 4-5): GSBI vs the OneRec-style flat decoder at matched parameter count.
//   npm run bench:decode -- [--quick] [--seed N] [--backend cpu|webgpu] [--users N] [--epochs N] [--steps N] [--out docs/results]
// Trains both models (tokenizer: RQ-KMeans on the bundled KuaiRec items' features) on the reference leave-five-out
// protocol, then times decoding of the same test users: speed vs quality at L = 5 (with/without KV cache), and
// quality vs slate length L ∈ {1,2,3,4,5,10}. Prints markdown tables; writes <out>/bench-decode.json (rows[] =
// { method, cache, L, host, slatesPerSec, recall5, … }) and bench-decode.md.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliGpu, mdTable, environment, releaseGpu } from '../src/cli/result';
import { loadBundledDataset } from '../src/data/bundled';
import { bundledDataDir, nodeFetchLike } from '../src/data/node-file';
import { initCpu, setBackend, WebGPUBackend } from '../src/engine';
import { DEFAULT_FEATURE_SPEC } from '../src/data/item-features';
import { DECODE_STUDY_DEFAULTS, runDecodeStudy, type DecodeRow } from '../src/eval/decode-study';
import { referenceSplit, sidsForDataset, slateInputs } from '../src/train/slate-data';

function parse(argv: string[]) {
  const a = { quick: false, seed: 0, backend: 'cpu', out: 'docs/results', users: 0, epochs: 0, steps: 0 };
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
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown flag ${k}`);
  }
  if (!['cpu', 'webgpu'].includes(a.backend)) throw new Error(`--backend must be cpu or webgpu (got "${a.backend}")`);
  return a;
}

const f = (x: number, d = 4) => Number(x.toFixed(d));
const LABEL: Record<DecodeRow['method'], string> = { gsbi: 'GSBI (HiGR), B=5', 'onerec-greedy': 'OneRec-style, greedy', 'onerec-beam': 'OneRec-style, beam B=5' };

async function main() {
  const a = parse(process.argv.slice(2));
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
  let backend = 'cpu';
  if (a.backend === 'webgpu') {
    setBackend(new WebGPUBackend(await cliGpu()));
    backend = 'webgpu';
  } else initCpu();
  const ws = (await loadBundledDataset(nodeFetchLike(bundledDataDir()), {})).workspace;
  const source = 'bundled KuaiRec (public/data)';
  const ds = ws.build().dataset;
  const split = referenceSplit(ds, { slateSize: 5, minItems: 10 });
  const features = { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } };
  const sids = await sidsForDataset(ws, ds, { kind: 'rq-kmeans', levels: 3, codebookSize: 16, steps: 0, seed: a.seed, features });
  log(`${source}: ${split.users} users, ${ds.itemIds.length} items; SID widths [${sids.table.widths}] (RQ-KMeans, D = 3, K = 16)`);
  const settings = {
    ...DECODE_STUDY_DEFAULTS,
    seed: a.seed,
    epochs: a.epochs || (a.quick ? 1 : 2),
    stepsPerEpoch: a.steps || (a.quick ? 20 : 100),
    evalUsers: a.users || (a.quick ? 32 : 128),
    validUsers: a.quick ? 32 : 64,
    decodeBatch: 32,
  };
  const res = await runDecodeStudy(slateInputs(ds, split, sids.table), split.test, settings, { host: 'node', log });

  const speed = res.rows.filter((r) => r.study === 'speed');
  const len = res.rows.filter((r) => r.study === 'length');
  const g = speed.find((r) => r.method === 'gsbi' && r.cache)!;
  const t1 = mdTable(
    ['method', 'KV cache', 'L', 'slates/s', 'GSBI (cached) speed-up', 'recall@5', 'NDCG@5', 'users', 'seconds'],
    speed.map((r) => [LABEL[r.method], r.cache ? 'yes' : 'no', r.L, f(r.slatesPerSec, 2), `${f(g.slatesPerSec / r.slatesPerSec, 2)}×`, f(r.recall5), f(r.ndcg5), r.users, f(r.seconds, 2)]),
  );
  const Ls = [...new Set(len.map((r) => r.L))];
  const methods = ['gsbi', 'onerec-greedy', 'onerec-beam'] as const;
  const t2 = mdTable(
    ['L', ...methods.map((m) => `${LABEL[m]}: recall@L`), ...methods.map((m) => `${LABEL[m]}: recall@5`), ...methods.map((m) => `${LABEL[m]}: slates/s`)],
    Ls.map((L) => {
      const at = (m: string) => len.find((r) => r.L === L && r.method === m)!;
      return [L, ...methods.map((m) => f(at(m).recallL)), ...methods.map((m) => f(at(m).recall5)), ...methods.map((m) => f(at(m).slatesPerSec, 2))];
    }),
  );
  const env = { ...(await environment()), cpus: os.cpus().length, loadavg: os.loadavg().map((x) => f(x, 2)) };
  const head = [
    `Data: ${source}, reference leave-five-out protocol (${split.users} users, ${ds.itemIds.length} items; ${res.rows[0].users} test users decoded per row, history excluded, target = the last 5 effective views).`,
    `Models: HiGR hierarchical slate decoder ${res.params.gsbi} parameters vs OneRec-style flat decoder ${res.params.onerec} parameters (d = ${settings.model.dim}, ${settings.model.slateLayers}+${settings.model.itemLayers} vs ${(settings.model.slateLayers ?? 0) + (settings.model.itemLayers ?? 0)} decoder blocks, same encoder), each trained ${settings.epochs}×${settings.stepsPerEpoch} steps of ${settings.batchSize} slates, seed ${a.seed}.`,
    `Host: Node ${process.version}, backend ${backend}${env.adapter ? ` (${env.adapter})` : ''}, ${env.cpus} cpus, load ${env.loadavg.join('/')}. Decoding in batches of ${settings.decodeBatch} users; wall-clock after one untimed warm-up batch.${a.quick ? ' --quick: tiny training, few users (not a result).' : ''}`,
  ].join('\n');
  const md = `# Decoding efficiency (regenerated by \`npm run bench:decode\`)\n\n${head}\n\n## Speed vs quality (L = 5)\n\n${t1}\n\n## Quality vs slate length (KV cache on)\n\n${t2}\n`;
  process.stdout.write(md);
  await mkdir(a.out, { recursive: true });
  const json = {
    command: 'bench:decode',
    protocol: { source, users: split.users, items: ds.itemIds.length, test: 'target = the last 5 effective views; input = everything before them; history excluded', evalUsers: res.rows[0].users },
    settings: { ...res.settings, backend, quick: a.quick, tokenizer: { kind: 'rq-kmeans', levels: 3, codebookSize: 16, widths: sids.table.widths } },
    seed: a.seed,
    environment: { ...env, backend },
    params: res.params,
    training: res.training,
    ratios: res.ratios,
    rows: res.rows,
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
