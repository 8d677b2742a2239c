// `npm run higr -- data [--data <file|dir|embeddings.safetensors|embeddings.npy>...] [--source NAME] [--threshold 2.0] [--slate 5] [--validation]
//                       [--min-history 1] [--min-item-freq 1] [--stride 1] [--malformed skip|stop]`
// Loads KuaiRec files (detected by header; default: the bundled dataset), builds the dataset under the protocol,
// splits it leave-five-out and reports statistics. An unusable file stops the command with one line naming it.

import { loadBundledDataset } from '../../data/bundled';
import { expandPaths, bundledDataDir, fromPath, nodeFetchLike } from '../../data/node-file';
import { DEFAULT_PROTOCOL, type Protocol } from '../../data/protocol';
import { leaveSlateOut } from '../../data/split';
import type { DataIssue } from '../../data/types';
import { DataWorkspace } from '../../data/workspace';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseNpy } from '../../data/features/npy';
import { parseSafetensors } from '../../data/features/safetensors';
import { isDataError } from '../../data/types';

const EMBEDDING_EXT = /\.(safetensors|npy)$/i;

interface EmbeddingReport { file: string; format: 'safetensors' | 'npy'; tensor?: string; rows: number; dim: number; ids: 'from file' | 'row index = video_id'; bytes: number }

/** Validates a precomputed item-embedding file (whole-file checks, finite values) and reports its shape. */
async function embeddingReport(path: string): Promise<EmbeddingReport> {
  const file = basename(path);
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(await readFile(path)); } catch { throw new CliError(`${path}: no such file or directory`); }
  try {
    if (/\.npy$/i.test(path)) {
      const m = parseNpy(bytes, file);
      if (m.shape.length !== 2) throw new CliError(`${path}: expected a 2-D array (items x dims), got shape (${m.shape.join(', ')})`);
      return { file, format: 'npy', rows: m.shape[0], dim: m.shape[1], ids: 'row index = video_id', bytes: bytes.length };
    }
    const m = parseSafetensors(bytes, file);
    return { file, format: 'safetensors', tensor: m.name, rows: m.shape[0], dim: m.shape[1], ids: m.ids ? 'from file' : 'row index = video_id', bytes: bytes.length };
  } catch (e) {
    if (isDataError(e)) throw new CliError(e.message.startsWith(file) ? path + e.message.slice(file.length) : `${path}: ${e.message}`);
    throw e;
  }
}
import { CliError, mdTable, numFlag, type CliArgs, type Command } from '../result';

const num = numFlag;

export function protocolFromFlags(flags: CliArgs['flags']): Partial<Protocol> {
  const p: Partial<Protocol> = {
    effectiveViewThreshold: num(flags, 'threshold', DEFAULT_PROTOCOL.effectiveViewThreshold),
    slateSize: num(flags, 'slate', DEFAULT_PROTOCOL.slateSize),
    validation: flags.validation === true || flags.validation === 'true',
    minHistory: num(flags, 'min-history', DEFAULT_PROTOCOL.minHistory),
    minItemFreq: num(flags, 'min-item-freq', DEFAULT_PROTOCOL.minItemFreq),
  };
  if (typeof flags.source === 'string') p.source = flags.source;
  return p;
}

const command: Command = {
  name: 'data',
  describe: 'load KuaiRec files (or the bundled set), build the leave-five-out protocol, print dataset statistics',
  usage: [
    'flags: --source NAME (file to build sequences from)  --threshold 2.0 (effective view: watch_ratio >= t)',
    '       --slate 5  --validation  --min-history 1  --min-item-freq 1  --stride 1  --malformed skip|stop',
  ].join('\n'),
  async run(args) {
    const flags = args.flags;
    const protocol = protocolFromFlags(flags);
    const malformed = flags.malformed === 'stop' ? 'stop' : 'skip';
    const stride = num(flags, 'stride', 1);
    const issues: DataIssue[] = [];
    const embeddings: EmbeddingReport[] = [];
    let ws: DataWorkspace;
    let bundled = false;
    if (args.data.length === 0) {
      bundled = true;
      const r = await loadBundledDataset(nodeFetchLike(bundledDataDir()), { protocol });
      ws = r.workspace;
      issues.push(...r.issues.filter((i) => i.kind !== 'unknown-items'));
    } else {
      ws = new DataWorkspace();
      let paths: string[];
      try {
        paths = await expandPaths(args.data);
      } catch (e) {
        throw new CliError(`${(e as NodeJS.ErrnoException).path ?? args.data.join(', ')}: no such file or directory`);
      }
      if (!paths.length) throw new CliError(`${args.data.join(', ')}: no .csv/.txt/.inter files found`);
      for (const p of paths.filter((x) => EMBEDDING_EXT.test(x))) embeddings.push(await embeddingReport(p));
      paths = paths.filter((x) => !EMBEDDING_EXT.test(x));
      if (!paths.length) {
        const table = mdTable(['file', 'format', 'tensor', 'rows', 'dim', 'ids', 'bytes'], embeddings.map((e) => [e.file, e.format, e.tensor ?? '', e.rows, e.dim, e.ids, e.bytes]));
        return { table: table + '\n\nAll embedding files are valid (whole-file structure checked, values finite).', json: { settings: { malformed, bundled: false }, embeddings, files: [], issues: [] } };
      }
      for (const p of paths) {
        const r = await ws.add(await fromPath(p), { malformed });
        const err = r.issues.find((i) => i.severity === 'error');
        if (err) throw new CliError(err.message.startsWith(err.file) ? err.message.replace(err.file, p) : `${p}: ${err.message}`);
        issues.push(...r.issues);
      }
    }
    if (protocol.source && !ws.sources().some((s) => s.name === protocol.source))
      throw new CliError(`--source ${protocol.source}: not a loaded interaction/sequence file (loaded: ${ws.sources().map((s) => s.name).join(', ') || 'none'})`);
    let build;
    try {
      build = ws.build(protocol);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    issues.push(...build.issues);
    const { dataset, stats } = build;
    const split = leaveSlateOut(dataset, { stride });

    const rows: [string, string | number][] = [
      ['source', `${stats.source}${bundled ? ' (bundled)' : ''}`],
      ['order', stats.order],
      ['users', stats.users],
      ['items', stats.items],
      ['interactions', stats.interactions],
      ['effective views', stats.effectiveViews],
      ['impressions available', stats.impressionsAvailable ? 'yes' : 'no (positives only)'],
      ['effective view rule', stats.impressionsAvailable ? `watch_ratio >= ${stats.effectiveViewThreshold}` : 'as listed in the file'],
      ['sequence length min / median / mean / max', `${stats.seqLength.min} / ${stats.seqLength.median} / ${stats.seqLength.mean.toFixed(1)} / ${stats.seqLength.max}`],
      ['slate size M', dataset.protocol.slateSize],
      ['train / valid / test slates', `${split.train.user.length} / ${split.valid?.user.length ?? 0} / ${split.test.user.length}`],
      ['dropped users / items / rows without timestamp', `${stats.dropped.users} / ${stats.dropped.items} / ${stats.dropped.rowsWithoutTimestamp}`],
    ];
    const files = ws.files();
    const table = [
      mdTable(['statistic', 'value'], rows),
      '',
      mdTable(['file', 'kind', 'rows', 'warnings'], files.map((f) => [f.name, f.kind, f.rows, f.issues.length])),
      '',
      ...(embeddings.length ? [mdTable(['embedding file', 'format', 'tensor', 'rows', 'dim', 'ids'], embeddings.map((e) => [e.file, e.format, e.tensor ?? '', e.rows, e.dim, e.ids])), ''] : []),
      `Protocol: ${dataset.protocol.holdoutNote}.`,
      ...issues.map((i) => `- ${i.severity}: ${i.message}`),
    ].join('\n');
    return {
      table,
      json: {
        protocol: dataset.protocol,
        settings: { stride, malformed, bundled },
        stats,
        split: { train: split.train.user.length, valid: split.valid?.user.length ?? 0, test: split.test.user.length },
        files: files.map(({ id: _id, ...f }) => f),
        embeddings,
        issues,
      },
    };
  },
};

export default command;
