// Decoding speed with the trie masks + beam top-k on the device vs on the host (`device` of src/models/gsbi.ts and of
// the OneRec-style src/models/onerec.ts flatDecode), per backend.
//   npm run bench:decode-device -- [--quick] [--seed N] [--users N] [--reps N] [--backends cpu,wasm,webgpu] [--out docs/results]
// Same data, tokenizer and model size as bench:decode (bundled KuaiRec, SID_TOKENIZER: the Table 1 SIDs + collision level,
// HSD d = 32 and its parameter-matched OneRec-style decoder, beam B = 5); the models are NOT trained (decoding cost does not depend on the weights; this measures the decode path,
// not quality — bench:decode does that). Test users with ≥ 10 items: history = all but their last 5, history excluded.
// For each backend, host and device paths alternate `reps` times over the same users (batches of 32, L = 5, B = 5,
// KV cache on) after one untimed warm-up each; the median slates/s is reported, plus, on WebGPU, queue submits per
// batch (each readback is a submit). Both paths' slates are compared (they must be identical).
// Prints a markdown table; writes <out>/bench-decode-device.json.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliGpu, environment, mdTable, releaseGpu } from '../src/cli/result';
import { loadBundledDataset } from '../src/data/bundled';
import { bundledDataDir, nodeFetchLike } from '../src/data/node-file';
import { initCpu, setBackend, WebGPUBackend, type Backend } from '../src/engine';
import { parseBackendChoice, selectBackend } from '../src/engine/select';
import { DECODE_STUDY_DEFAULTS } from '../src/eval/decode-study';
import { SID_TOKENIZER } from '../src/eval/generative';
import { historyBatch } from '../src/models/context-encoder';
import { gsbi, type SidLookup } from '../src/models/gsbi';
import { rng } from '../src/models/nn';
import { PrefixTrie } from '../src/models/sid-table';
import { HierarchicalSlateDecoder, hsdConfig } from '../src/models/slate-decoder';
import { flatConfigFor, flatDecode, FlatSlateDecoder } from '../src/models/onerec';
import { referenceSplit, sidsForDataset } from '../src/train/slate-data';

function parse(argv: string[]) {
  const a = { quick: false, seed: 0, users: 0, reps: 0, backends: ['cpu', 'wasm', 'webgpu'], out: 'docs/results' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = (name: string) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`bench:decode-device: --${name} must be an integer >= 1 (got "${argv[i]}")`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--seed') a.seed = Number(argv[++i]);
    else if (k === '--users') a.users = num('users');
    else if (k === '--reps') a.reps = num('reps');
    else if (k === '--backends') a.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`bench:decode-device: unknown option ${k}`);
  }
  for (const b of a.backends) parseBackendChoice(b);
  return a;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function main() {
  const a = parse(process.argv.slice(2));
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
  initCpu(); // the tokenizer (RQ-KMeans, no training steps) runs on the CPU reference, as in bench:decode
  const ws = (await loadBundledDataset(nodeFetchLike(bundledDataDir()), {})).workspace;
  const ds = ws.build().dataset;
  const split = referenceSplit(ds, { slateSize: 5, minItems: 10 });
  const sids = await sidsForDataset(ws, ds, { ...SID_TOKENIZER, seed: a.seed });
  const lookup: SidLookup = { sids: sids.table.sids, trie: PrefixTrie.of(sids.table) };
  const nUsers = a.users || (a.quick ? 32 : 128);
  const reps = a.reps || (a.quick ? 2 : 3);
  const batch = 32, L = 5, beam = 5;
  const hs: Int32Array[] = [];
  for (let u = 0; u + 1 < ds.seqOffsets.length && hs.length < nUsers; u++) {
    const s = ds.seqItems.subarray(ds.seqOffsets[u], ds.seqOffsets[u + 1]);
    if (s.length >= 10) hs.push(s.subarray(0, s.length - 5));
  }
  log(`${hs.length} users, ${ds.itemIds.length} items, SID widths [${sids.table.widths}], trie nodes ${sids.table.trie.nodeCode.length}`);
  const cfg = hsdConfig({ ...DECODE_STUDY_DEFAULTS.model, maxSlate: 10 });
  const rows: { method: string; backend: string; detail: string; path: 'host' | 'device'; slatesPerSec: number; runs: number[]; submitsPerBatch: number | null; identical: boolean }[] = [];
  for (const kind of a.backends) {
    const sel = await selectBackend(parseBackendChoice(kind), { gpu: cliGpu });
    const be: Backend = sel.backend;
    setBackend(be);
    const model = new HierarchicalSlateDecoder(cfg, sids.table.widths, ds.itemIds.length, rng(a.seed));
    const flat = new FlatSlateDecoder(flatConfigFor(cfg), sids.table.widths, ds.itemIds.length, rng(a.seed));
    for (const method of ['GSBI', 'OneRec-style beam'] as const) {
      const decode = async (device: boolean) => {
        const out: Int32Array[] = [];
        for (let i = 0; i < hs.length; i += batch) {
          const h = hs.slice(i, i + batch);
          const o = { beam, length: L, exclude: h, device };
          out.push(...(method === 'GSBI'
            ? await gsbi(model, lookup, historyBatch(h, lookup.sids, model.sid, cfg.maxHistory), o)
            : await flatDecode(flat, lookup, historyBatch(h, lookup.sids, flat.sid, cfg.maxHistory), o)).slates);
        }
        return out;
      };
      const submits = () => (be instanceof WebGPUBackend ? be.submits : 0);
      const times: Record<'host' | 'device', number[]> = { host: [], device: [] };
      const sub: Record<'host' | 'device', number> = { host: 0, device: 0 };
      const ref = await decode(false); // warm-up (pipelines, pools), untimed
      const dev = await decode(true);
      const identical = ref.every((s, i) => s.every((x, j) => x === dev[i][j]));
      for (let r = 0; r < reps; r++) {
        for (const path of ['host', 'device'] as const) {
          const s0 = submits();
          const t = performance.now();
          await decode(path === 'device');
          times[path].push(hs.length / ((performance.now() - t) / 1000));
          sub[path] = (submits() - s0) / Math.ceil(hs.length / batch);
        }
      }
      for (const path of ['host', 'device'] as const) {
        rows.push({ method, backend: sel.kind, detail: be.describe(), path, slatesPerSec: median(times[path]), runs: times[path], submitsPerBatch: be instanceof WebGPUBackend ? sub[path] : null, identical });
        log(`${method} ${sel.kind} ${path}: ${median(times[path]).toFixed(2)} slates/s (runs ${times[path].map((x) => x.toFixed(2)).join(', ')}), identical slates ${identical}`);
      }
    }
    model.dispose();
    flat.dispose();
  }
  const md = mdTable(
    ['decoder', 'backend', 'trie mask + beam top-k', 'slates/s (median)', 'device speed-up', 'submits per batch of 32', 'same slates'],
    rows.map((r) => {
      const host = rows.find((x) => x.method === r.method && x.backend === r.backend && x.path === 'host')!;
      return [r.method, r.backend, r.path, Number(r.slatesPerSec.toFixed(2)), `${(r.slatesPerSec / host.slatesPerSec).toFixed(2)}×`, r.submitsPerBatch ?? 'n/a', r.identical ? 'yes' : 'NO'];
    }),
  );
  const env = { ...(await environment()), loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) };
  console.log(md);
  console.log(`\n${hs.length} users, batches of ${batch}, L = ${L}, B = ${beam}, KV cache; untrained HSD (d = ${cfg.dim}) and OneRec-style decoder; median of ${reps} runs; load ${env.loadavg.join('/')}.`);
  await mkdir(a.out, { recursive: true });
  const file = path.join(a.out, 'bench-decode-device.json');
  await writeFile(file, JSON.stringify({
    command: 'bench:decode-device',
    protocol: { source: 'bundled KuaiRec (public/data)', users: hs.length, history: 'all but the last 5 items, excluded from the slates', items: ds.itemIds.length },
    settings: { quick: a.quick, batch, L, beam, cache: true, reps, model: cfg, trained: false, tokenizer: { ...SID_TOKENIZER, widths: sids.table.widths }, splitUsers: split.users },
    seed: a.seed,
    environment: env,
    rows,
  }, null, 2));
  log(`wrote ${file}`);
  await releaseGpu();
}

main().catch((e) => {
  console.error(`bench:decode-device: ${(e as Error).message}`);
  process.exit(1);
});
