// `npm run higr -- eval --slates <decode.json> --targets <file> [--k 5]`
// Scores any slates file in decode.json's format (`{ rows: [{ user, slate: [item, …] }] }`, original user and item ids)
// against a targets file (one line per user: `user item item …`, every item on the line a target) with exactly the
// harness the models use (src/eval/metrics.ts, RecBole conventions). Writes eval.json:
//   { k, users, metrics: { hit, recall, ndcg, precision, mrr }, perUser: [{ user, hit, recall, ndcg, precision, mrr }] }
// Every target user needs a slate (else: error naming the user); slates of users without targets are counted, not scored.
import { readFile } from 'node:fs/promises';
import { METRIC_NAMES, meanMetrics, slateMetrics, type SlateMetrics } from '../../eval/metrics';
import { CliError, mdTable, numFlag, type Command } from '../result';

export interface SlateRow {
  user: string;
  slate: string[];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: cannot read the ${what} file (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`);
  }
}

const isId = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '');

/** Parses a decode.json-style slates file; throws a CliError naming the file and the offending field. */
export function parseSlates(text: string, file: string): SlateRow[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const rows = (j as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new CliError(`${file}: field "rows" missing or not an array (expected { rows: [{ user, slate: [item, …] }] })`);
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const o = r as { user?: unknown; slate?: unknown };
    if (!o || typeof o !== 'object' || !isId(o.user)) throw new CliError(`${file}: rows[${i}].user missing or not an id`);
    if (!Array.isArray(o.slate)) throw new CliError(`${file}: rows[${i}].slate missing or not an array`);
    const bad = o.slate.findIndex((v) => !isId(v));
    if (bad >= 0) throw new CliError(`${file}: rows[${i}].slate[${bad}] is not an item id`);
    const user = String(o.user);
    if (seen.has(user)) throw new CliError(`${file}: rows[${i}]: user ${user} has a second slate`);
    seen.add(user);
    return { user, slate: o.slate.map(String) };
  });
}

/** Parses a targets file (`user item item …` per line; blank lines and # comments skipped). */
export function parseTargets(text: string, file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (!line || line.startsWith('#')) return;
    const [user, ...items] = line.split(/[\s,]+/);
    if (!items.length) throw new CliError(`${file}: line ${i + 1}: user ${user} has no target item`);
    if (out.has(user)) throw new CliError(`${file}: line ${i + 1}: user ${user} listed twice`);
    out.set(user, items);
  });
  if (!out.size) throw new CliError(`${file}: no target line (expected "user item item …" per line)`);
  return out;
}

export interface ExternalEval {
  k: number;
  users: number;
  metrics: SlateMetrics;
  perUser: ({ user: string } & SlateMetrics)[];
  ignoredSlates: number;
}

/** Scores slates against targets with the harness metrics (ids compared as strings). */
export function scoreExternal(slates: SlateRow[], targets: Map<string, string[]>, k: number, files = { slates: 'slates', targets: 'targets' }): ExternalEval {
  if (!Number.isInteger(k) || k < 1) throw new CliError(`--k must be an integer >= 1, got ${k}`);
  const byUser = new Map(slates.map((r) => [r.user, r.slate]));
  const ids = new Map<string, number>();
  const id = (s: string) => {
    let v = ids.get(s);
    if (v === undefined) ids.set(s, (v = ids.size));
    return v;
  };
  const perUser: ExternalEval['perUser'] = [];
  for (const [user, t] of targets) {
    const s = byUser.get(user);
    if (!s) throw new CliError(`${files.slates}: no slate for user ${user} (listed in ${files.targets})`);
    perUser.push({ user, ...slateMetrics(s.map(id), t.map(id), k) });
  }
  let ignored = 0;
  for (const r of slates) if (!targets.has(r.user)) ignored++;
  return { k, users: perUser.length, metrics: meanMetrics(perUser), perUser, ignoredSlates: ignored };
}

const command: Command = {
  name: 'eval',
  describe: 'score an external slates file (decode.json format) against a targets file with the evaluation harness',
  usage: [
    'flags: --slates <decode.json>  ({ rows: [{ user, slate: [item, …] }] }, original ids)',
    '       --targets <file>        (one line per user: user item item …; every item a target)',
    '       --k 5                   (cut-off)',
  ].join('\n'),
  async run(args) {
    const sf = args.flags.slates, tf = args.flags.targets;
    if (typeof sf !== 'string') throw new CliError('--slates <decode.json> is required');
    if (typeof tf !== 'string') throw new CliError('--targets <file> is required');
    const k = numFlag(args.flags, 'k', 5);
    const slates = parseSlates(await readText(sf, 'slates'), sf);
    const targets = parseTargets(await readText(tf, 'targets'), tf);
    const r = scoreExternal(slates, targets, k, { slates: sf, targets: tf });
    const f = (x: number) => Number(x.toFixed(4));
    const table = mdTable(['users', ...METRIC_NAMES.map((m) => `${m}@${k}`)], [[r.users, ...METRIC_NAMES.map((m) => f(r.metrics[m]))]]);
    const note = r.ignoredSlates ? `\n\n${r.ignoredSlates} slate(s) of users without targets were not scored.` : '';
    return {
      table: table + note,
      json: {
        protocol: { kind: 'external slates vs external targets', metrics: 'RecBole conventions: recall / |T|, NDCG ideal over min(|T|, k), duplicates count once' },
        settings: { slates: sf, targets: tf, k },
        k: r.k,
        users: r.users,
        metrics: { hit: r.metrics.hit, recall: r.metrics.recall, ndcg: r.metrics.ndcg, precision: r.metrics.precision, mrr: r.metrics.mrr },
        ignoredSlates: r.ignoredSlates,
        perUser: r.perUser,
      },
    };
  },
};
export default command;
