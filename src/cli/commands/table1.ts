// `npm run higr -- table1 [--quick] [--seeds 0,1,2] [--models pop,cooc,sasrec] [--test <file>] [--users N] [--backend auto|webgpu|wasm|cpu]
//                          [--<model>-<key> value …]   e.g. --sasrec-epochs 40 --sasrec-maxLen 50]`
// Trains and evaluates every registered model (src/eval/registry.ts) under the reference protocol on the bundled
// time-ordered small-matrix sequences (users with >= 10 items; test = last 5, validation = the 5 before; all items
// ranked; history excluded), 3 seeds, mean ± std, paired per-user t-test against the strongest baseline. Writes
// <out>/table1.json and, for the default output directory, docs/results/table1.md.
// --test <file>: an external file of per-user sequences (`user item item …`, same format as the bundled one) of users
// never trained on: their last five items are the targets, the rest the input.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadBundledDataset } from '../../data/bundled';
import { bundledDataDir, nodeFetchLike } from '../../data/node-file';
import { REFERENCE_PROTOCOL } from '../../data/protocol';
import { leaveSlateOut, type Split } from '../../data/split';
import type { Dataset } from '../../data/dataset';
import { evalCases, type EvalCase } from '../../eval/harness';
import { MODELS, modelById } from '../../eval/registry';
import { runTable1, type Table1Result } from '../../eval/table1';
import { CliError, cliBackend, mdTable, type Command } from '../result';
import { DEFAULT_FEATURE_SPEC } from '../../data/item-features';
import type { SidTableData } from '../../models/sid-table';
import { sidsForDataset } from '../../train/slate-data';

const QUICK_USERS = 120;

/** External held-out users: last `M` items are the targets, the rest the input (unknown items never hit). */
export function externalCases(text: string, file: string, ds: Dataset, M: number): { cases: EvalCase[]; skipped: number; unknownItems: number } {
  const dense = new Map<number, number>();
  ds.itemIds.forEach((id, i) => dense.set(id, i));
  const trained = new Set(ds.userIds);
  const cases: EvalCase[] = [];
  let skipped = 0, unknown = 0;
  text.split('\n').forEach((raw, ln) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/[\s,]+/);
    const nums = parts.map(Number);
    const bad = nums.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0) throw new CliError(`${file}: line ${ln + 1}: "${parts[bad]}" is not an integer id (expected "user item item …")`);
    const [user, ...items] = nums;
    if (trained.has(user)) throw new CliError(`${file}: line ${ln + 1}: user ${user} is also in the training data; --test needs users never trained on`);
    if (items.length < M + 1) { skipped++; return; }
    const map = (v: number) => {
      const d = dense.get(v);
      if (d === undefined) unknown++;
      return d ?? -1 - unknown; // distinct negative ids: counted in |T|, never ranked
    };
    const hist = items.slice(0, -M).map(map).filter((d) => d >= 0);
    cases.push({ user, history: Int32Array.from(hist), target: Int32Array.from(items.slice(-M).map(map)), impressions: null });
  });
  if (!cases.length) throw new CliError(`${file}: no user with at least ${M + 1} items (${M} targets + 1 input)`);
  return { cases, skipped, unknownItems: unknown };
}

/** Keeps the first n users of a dataset (quick runs): a view with the same catalogue. */
function firstUsers(ds: Dataset, n: number): Dataset {
  if (n >= ds.userIds.length) return ds;
  return { ...ds, userIds: ds.userIds.subarray(0, n), seqOffsets: ds.seqOffsets.subarray(0, n + 1), seqItems: ds.seqItems.subarray(0, ds.seqOffsets[n]) };
}

const f4 = (x: number) => x.toFixed(4);

export function table1Markdown(r: Table1Result, protocolLine: string): string {
  const rows = r.rows.map((x) => [
    x.model,
    x.objective,
    x.params,
    x.seeds.length,
    `${f4(x.mean.hit5)} ± ${f4(x.std.hit5)}`,
    `${f4(x.mean.recall5)} ± ${f4(x.std.recall5)}`,
    `${f4(x.mean.ndcg5)} ± ${f4(x.std.ndcg5)}`,
    x.pValueVsBest === null ? 'best' : x.pValueVsBest.toExponential(2),
    Number(x.trainSeconds.toFixed(1)),
  ]);
  return [protocolLine, '', mdTable(['model', 'objective', 'params', 'seeds', 'hit@5', 'recall@5', 'NDCG@5', 'p vs best (paired t, recall@5)', 'train s/seed'], rows)].join('\n');
}

const command: Command = {
  name: 'table1',
  describe: 'Table 1: every model trained and evaluated under the reference protocol (3 seeds, mean ± std, paired test)',
  usage: [
    'flags: --seeds 0,1,2   --models pop,cooc,sasrec (default: all registered)   --users N (first N users; --quick: 120)',
    '       --<model>-<key> value   per-model settings, e.g. --sasrec-epochs 40 --sasrec-maxLen 50 --sasrec-loss ce',
    '       --test <file>   external held-out users (user item item … per line): last 5 = targets, the rest = input',
    '       --backend auto|webgpu|wasm|cpu   compute backend (default auto: WebGPU on a hardware adapter, else wasm SIMD)',
  ].join('\n'),
  async run(args) {
    const seeds = typeof args.flags.seeds === 'string' ? args.flags.seeds.split(',').map((s) => Number(s.trim())) : args.quick ? [args.seed] : [0, 1, 2].map((s) => s + args.seed);
    if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new CliError(`--seeds needs comma-separated integers >= 0, got "${String(args.flags.seeds)}"`);
    let entries = MODELS;
    if (typeof args.flags.models === 'string') {
      try {
        entries = args.flags.models.split(',').map((s) => modelById(s.trim()));
      } catch (e) {
        throw new CliError(`--models: ${(e as Error).message}`);
      }
    }
    const overrides: Record<string, Record<string, number | string>> = {};
    for (const [k, v] of Object.entries(args.flags)) {
      const m = /^([a-z0-9]+)-([A-Za-z]+)$/.exec(k);
      if (!m || !MODELS.some((e) => e.id === m[1])) continue;
      if (typeof v !== 'string') throw new CliError(`--${k} needs a value`);
      (overrides[m[1]] ??= {})[m[2]] = Number.isFinite(Number(v)) ? Number(v) : v;
    }
    const users = args.flags.users !== undefined ? Number(args.flags.users) : args.quick ? QUICK_USERS : Infinity;
    if (!(users >= 1)) throw new CliError(`--users needs a number >= 1, got "${String(args.flags.users)}"`);

    const loaded = await loadBundledDataset(nodeFetchLike(bundledDataDir()), { protocol: REFERENCE_PROTOCOL, skip: ['big_matrix_positives.txt'] });
    const ds = firstUsers(loaded.build.dataset, users);
    const split: Split = leaveSlateOut(ds);
    let cases: EvalCase[];
    let testInfo: Record<string, unknown> | null = null;
    if (args.test) {
      let text: string;
      try {
        text = await readFile(args.test, 'utf8');
      } catch (e) {
        throw new CliError(`${args.test}: cannot read the --test file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const ext = externalCases(text, args.test, ds, ds.protocol.slateSize);
      cases = ext.cases;
      testInfo = { file: args.test, users: ext.cases.length, skippedShortUsers: ext.skipped, unknownItems: ext.unknownItems };
    } else {
      cases = evalCases(ds, split).test;
    }

    // --backend auto|webgpu|wasm|cpu (default auto: WebGPU on a hardware adapter, else the wasm SIMD backend);
    // the choice and its reason land in environment and in each row's `backend`
    const sel = await cliBackend(args);
    process.stderr.write(`table1: backend ${sel.backend.describe()} (${sel.reason})\n`);
    // semantic IDs for the generative SID models (TIGER, OneRec-style, ListCVAE): RQ-KMeans on the items' features,
    // the same tokenizer settings as `higr train` and `bench:decode`
    let sidTable: SidTableData | undefined;
    let tokenizer: Record<string, unknown> | null = null;
    if (entries.some((e) => e.needsSids)) {
      const features = { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } };
      const r = await sidsForDataset(loaded.workspace, ds, { kind: 'rq-kmeans', levels: 3, codebookSize: 16, steps: 0, seed: args.seed, features });
      sidTable = r.table;
      tokenizer = { ...r.tokenizer, widths: r.table.widths };
      process.stderr.write(`table1: semantic IDs (RQ-KMeans, D = 3, K = 16): widths [${r.table.widths}]\n`);
    }

    const backend = sel.kind;
    let lastLog = 0;
    const result = await runTable1(ds, split, cases, entries, {
      seeds,
      quick: args.quick,
      backend,
      overrides,
      sidTable,
      onProgress: (model, seed, p) => {
        const now = Date.now();
        if (p.scalars.validRecall5 !== undefined) process.stderr.write(`table1: ${model} seed ${seed} step ${p.step}/${p.total} validation recall@5 ${f4(p.scalars.validRecall5)}\n`);
        else if (now - lastLog > 5000 || p.step === p.total) {
          lastLog = now;
          process.stderr.write(`table1: ${model} seed ${seed} step ${p.step}/${p.total}${p.scalars.loss !== undefined ? ` loss ${p.scalars.loss.toFixed(4)}` : ''}\n`);
        }
      },
      onRow: (r) => process.stderr.write(`table1: ${r.model}: recall@5 ${f4(r.mean.recall5)} ± ${f4(r.std.recall5)}\n`),
    });
    const p = ds.protocol;
    const protocol = {
      ...p,
      name: 'reference leave-five-out (issue 18)',
      users: result.users,
      items: result.nItems,
      rankedItems: 'all catalogue items (full corpus, no sampled negatives)',
      historyExcluded: true,
      k: 5,
      evaluatedOn: args.test ? `external held-out users (${args.test})` : 'test slates (last 5 items) of the bundled users',
      impressions: 'n/a (positives-only sequences: no watch_ratio)',
      significance: 'two-sided paired t-test on per-user recall@5 (averaged over seeds) against the strongest baseline',
    };
    const protocolLine = `Protocol: ${protocol.name} on ${p.source}; ${result.users} users, ${result.nItems} items ranked, history excluded, k = 5; ${protocol.evaluatedOn}; impressions ${protocol.impressions}. Seeds ${seeds.join(', ')}${args.quick ? ' (--quick: tiny models, first ' + users + ' users)' : ''}; backend ${backend}.`;
    const md = table1Markdown(result, protocolLine);
    if (path.resolve(args.out) === path.resolve('docs/results') && !args.quick && !args.test) {
      await mkdir('docs/results', { recursive: true });
      await writeFile('docs/results/table1.md', `# Table 1 (regenerated by \`npm run higr -- table1\`)\n\n${md}\n`);
    }
    return {
      table: md,
      json: {
        protocol,
        settings: { seeds, quick: args.quick, users: result.users, models: entries.map((e) => e.id), overrides, test: testInfo, tokenizer },
        rows: result.rows,
        best: result.best,
      },
    };
  },
};
export default command;
