// `npm run higr -- run --stage <id> [--data <file|dir>...] [--seed N] [--<setting> value]... [--backend webgpu|cpu|auto]
//                     [--resume <run id>] [--store <dir>] [--checkpoint-every N] [--list]`
// The one CLI wrapper of every stage (src/stages): settings are the stage's schema fields (validated with the same
// messages as the UI), inputs are assembled from the same dataset the Data panel builds (bundled KuaiRec, or --data
// files and their default source), and the run goes through the same runner: checkpoints in --store (default
// .higr/runs), Ctrl-C stops the run resumably, divergence stops it naming the step and the term.
import { DataSession } from '../../data/session';
import { bundledDataDir, expandPaths, fromPath, nodeFetchLike } from '../../data/node-file';
import { STAGES, stageEntry } from '../../stages';
import { runStage } from '../../stages/runner';
import { CHECKPOINT_EVERY } from '../../stages/types';
import { parseField, validateConfig, allowed } from '../../stages/schema';
import { fsRunStore } from '../fs-run-store';
import { CliError, cliBackend, mdTable, numFlag, type CliArgs, type Command } from '../result';

const RESERVED = new Set(['stage', 'resume', 'store', 'backend', 'checkpoint-every', 'list']);
const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The bundled dataset, or the --data files (the session picks the source as the Data panel does). */
export async function cliDataSession(args: CliArgs): Promise<{ session: DataSession; label: string }> {
  const session = new DataSession();
  if (!args.data.length) {
    await session.loadBundled(nodeFetchLike(bundledDataDir()));
    return { session, label: 'bundled KuaiRec (public/data)' };
  }
  let paths: string[];
  try {
    paths = await expandPaths(args.data);
  } catch (e) {
    throw new CliError(`${(e as NodeJS.ErrnoException).path ?? args.data.join(', ')}: no such file or directory`);
  }
  const { reports } = await session.addFiles(await Promise.all(paths.map((p) => fromPath(p))));
  for (const [i, r] of reports.entries()) {
    const err = r.issues.find((x) => x.severity === 'error');
    if (err) throw new CliError(err.message.startsWith(err.file) ? err.message.replace(err.file, paths[i]) : `${paths[i]}: ${err.message}`);
  }
  return { session, label: paths.join(', ') };
}

/** --<setting> flags → a validated stage config; one line naming the flag and the allowed range on bad input. */
export function stageConfigFromFlags(stage: string, flags: CliArgs['flags']): Record<string, unknown> {
  const entry = stageEntry(stage);
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (RESERVED.has(k)) continue;
    const name = k in entry.schema.fields ? k : camel(k);
    const f = entry.schema.fields[name];
    if (!f) throw new CliError(`--${k}: not a setting of stage ${stage} (settings: ${Object.keys(entry.schema.fields).map((n) => `--${n}`).join(' ')})`);
    const parsed = f.type === 'bool' && v === true ? true : typeof v === 'string' ? parseField(f, v) : undefined;
    if (parsed === undefined) throw new CliError(`--${k}: must be ${allowed(f)} (got "${String(v)}")`);
    raw[name] = parsed;
  }
  const { value, errors } = validateConfig(entry.schema, raw);
  if (errors.length) throw new CliError(errors.map((e) => `--${e.field}: ${e.message}`).join('; '));
  return value;
}

const fmt = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v === null || v === undefined ? 'n/a' : String(v));

const command: Command = {
  name: 'run',
  describe: `train one stage run through the stage layer (stages: ${Object.keys(STAGES).join(', ')}); resumable (--resume <id>), --list shows stored runs`,
  usage: [
    'flags: --stage <id>  --<setting> value (the stage\'s settings, e.g. tokenizer: --kind crq-vae --steps 150 --codebookSize 64 --w 1,0.1,0.01;',
    '       slate-decoder: --dim 64 --epochs 3 --tokenizerRun <tokenizer run id>; table1-model: --model sasrec --users 120;',
    '       SID models: --model tiger --tokenizerRun <id>, or SIDs trained now: --sidKind rq-kmeans --codebookSize 64 --levels 3 --sidSeed 0)',
    '       --backend auto|webgpu|cpu  --resume <run id>  --store <dir> (default .higr/runs)  --checkpoint-every N (default 10)  --list',
  ].join('\n'),
  async run(args) {
    const flags = args.flags;
    const store = fsRunStore(typeof flags.store === 'string' ? flags.store : '.higr/runs');
    if (flags.list) {
      const runs = await store.list(typeof flags.stage === 'string' ? flags.stage : undefined);
      const table = mdTable(['id', 'status', 'step', 'seed', 'dataset', 'backend', 'checkpoint'], runs.map((r) => [r.id, r.status, `${r.step}/${r.total}`, r.seed, r.dataset, r.backend, r.checkpointStep ?? '—']));
      return { table, json: { runs: runs.map(({ summary: _s, ...r }) => r) } };
    }
    const resume = typeof flags.resume === 'string' ? flags.resume : undefined;
    const prev = resume ? await store.get(resume) : undefined;
    if (resume && !prev) throw new CliError(`--resume: no run "${resume}" in ${typeof flags.store === 'string' ? flags.store : '.higr/runs'} (list them with --list)`);
    const stage = prev?.stage ?? (typeof flags.stage === 'string' ? flags.stage : '');
    if (!STAGES[stage]) throw new CliError(`--stage: must be one of ${Object.keys(STAGES).join(', ')} (got "${stage}")`);
    const entry = stageEntry(stage);
    // a stage with its own `quick` setting (table1-model: default true) takes an explicit --quick / --quick=false
    const cfg = prev ? prev.config : stageConfigFromFlags(stage, args.quickGiven && 'quick' in entry.schema.fields ? { ...flags, quick: String(args.quick) } : flags);
    const seed = prev ? prev.seed : args.seed;
    const everyN = numFlag(flags, 'checkpoint-every', CHECKPOINT_EVERY);
    if (!Number.isInteger(everyN) || everyN < 0) throw new CliError(`--checkpoint-every: must be an integer >= 0 (got ${everyN})`);

    const t0 = performance.now();
    const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
    const { session, label } = await cliDataSession(args);
    // the backend first: input assembly runs ops on it (the on-the-fly SID tokenizer, the tokenizer's semantic neighbours)
    const sel = await cliBackend(args);
    const backend = sel.kind;
    // the store too: e.g. --tokenizerRun <id> takes that run's SIDs
    const data = { ...session.stageData(), store, backend: { kind: sel.kind, reason: sel.reason } };
    log(`data: ${label}; source ${data.source?.name ?? 'none'}${data.source?.bundled ? ' (bundled)' : ''}; fingerprint ${data.fingerprint}`);
    log(`backend: ${sel.backend.describe()} (${sel.reason})`);
    let inputs: unknown;
    try {
      inputs = await entry.assemble(data, { ...cfg, seed }, undefined);
    } catch (e) {
      throw new CliError(`${label}: ${(e as Error).message}`);
    }
    const described = entry.describeInputs(inputs);
    log(`inputs: ${Object.entries(described).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const ac = new AbortController();
    const onSigint = () => {
      log('stopping (Ctrl-C): the run keeps its last checkpoint; continue it with --resume');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
    let lastLog = 0;
    let record;
    try {
      ({ record } = await runStage(entry, inputs, cfg, {
        store,
        seed,
        backend,
        dataset: data.fingerprint,
        resume,
        signal: ac.signal,
        checkpointEvery: everyN,
        onProgress: (p, rec) => {
          if (performance.now() - lastLog < 10_000 && p.step < p.total - 1) return;
          lastLog = performance.now();
          log(`${rec.id} step ${p.step + 1}/${p.total} ${Object.entries(p.scalars).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(' ')}`);
        },
      }));
    } catch (e) {
      throw new CliError((e as Error).message);
    } finally {
      process.off('SIGINT', onSigint);
    }
    const m = record.summary?.metrics ?? {};
    const table = [
      mdTable(['metric', 'value'], Object.entries(m).map(([k, v]) => [k, fmt(v)])),
      '',
      `run ${record.id}: ${record.status}, ${record.step}/${record.total} steps on ${backend} in ${record.seconds.toFixed(1)} s; seed ${seed}; ${Object.entries(described).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      record.status === 'stopped' ? `resume with: npm run higr -- run --resume '${record.id}'` : '',
    ].join('\n');
    return {
      table,
      json: {
        protocol: { stage, dataset: data.fingerprint, source: data.source ?? null, data: label, datasetProtocol: data.dataset?.protocol ?? null },
        settings: { stage, backend, backendReason: sel.reason, config: cfg },
        seed,
        run: record,
      },
    };
  },
};

export default command;
