// Shared by `higr train` and `higr decode`: data loading under the reference protocol, the checkpoint file format
// (JSON; typed arrays as base64 `{ "$f32": "..." }` / `{ "$i32": "..." }`), and the protocol description.
import fs from 'node:fs';
import type { Dataset } from '../../data/dataset';
import type { DataWorkspace } from '../../data/workspace';
import type { SidTableData } from '../../models/sid-table';
import type { ReferenceSplit } from '../../train/slate-data';
import { slateSplit } from '../../stages/slate-decoder';
import type { SlateCheckpoint } from '../../train/slate-decoder';
import { CliError, cliBackend, type CliArgs } from '../result';
import { loadWorkspace } from './tokenizers';
import { externalCases } from './table1';
import { readFile } from 'node:fs/promises';
import type { Slates } from '../../train/slate-decoder';

/**
 * `--test <file>`: external held-out users (one line per user, `user item item …`, oldest first, the bundled format),
 * none of them in the training data; per user the last 5 items are the target slate and the rest the input. As slates
 * over a CSR of their own (history + target, dense item ids; items unknown to the catalogue are dropped from the input
 * and count as never-hit targets).
 */
export interface ExternalSlates {
  file: string;
  seqs: { offsets: Int32Array; items: Int32Array };
  slates: Slates;
  /** original user id per slate */
  userIds: number[];
  /** original item ids of each target slate (unknown items included) */
  targets: number[][];
  info: { file: string; users: number; skippedShortUsers: number; unknownItems: number };
}

export async function externalSlates(file: string, ds: Dataset, M = 5): Promise<ExternalSlates> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: cannot read the --test file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const ext = externalCases(text, file, ds, M);
  const raw = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [u, ...items] = t.split(/[\s,]+/).map(Number);
    raw.set(u, items.slice(-M));
  }
  const offsets = new Int32Array(ext.cases.length + 1);
  const items: number[] = [];
  ext.cases.forEach((c, i) => {
    items.push(...c.history, ...c.target);
    offsets[i + 1] = items.length;
  });
  return {
    file,
    seqs: { offsets, items: Int32Array.from(items) },
    slates: { user: Int32Array.from(ext.cases, (_, i) => i), cut: Int32Array.from(ext.cases, (c) => c.history.length) },
    userIds: ext.cases.map((c) => c.user),
    targets: ext.cases.map((c) => raw.get(c.user)!),
    info: { file, users: ext.cases.length, skippedShortUsers: ext.skipped, unknownItems: ext.unknownItems },
  };
}

export interface SlateData {
  ws: DataWorkspace;
  ds: Dataset;
  source: string;
  split: ReferenceSplit;
}

/** Start of a slate command: a timestamped stderr log and the backend from --backend auto|webgpu|wasm|cpu (default auto). */
export async function slateRun(args: CliArgs): Promise<{ t0: number; log: (s: string) => void; backend: string }> {
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}
`);
  const sel = await cliBackend(args, 'auto');
  log(`backend: ${sel.backend.describe()} (${sel.reason})`);
  return { t0, log, backend: sel.kind };
}

export async function loadSlateData(args: CliArgs): Promise<SlateData> {
  const { ws, source } = await loadWorkspace(args);
  // the slate-decoder stage's assembly (reference leave-five-out on the default source), shared with `higr run`
  try {
    const { ds, split } = slateSplit({ workspace: ws, dataset: ws.build().dataset, fingerprint: '' }, 'reference');
    return { ws, ds, source, split };
  } catch (e) {
    throw new CliError(`${source}: ${(e as Error).message}`);
  }
}

export function protocolOf(d: SlateData) {
  return {
    source: d.ds.protocol.source,
    order: d.ds.protocol.order,
    effectiveViewThreshold: d.ds.protocol.effectiveViewThreshold,
    users: d.split.users,
    items: d.ds.itemIds.length,
    minItems: d.split.minItems,
    slateSize: d.split.slateSize,
    test: 'target = the last 5 effective views; input = everything before them',
    validation: 'target = the 5 before the test slate; input = everything before it',
    training: 'every (history, next 5) window ending before the validation slate',
    historyExcluded: true,
    ranking: 'GSBI over the prefix trie of every catalogue item',
    trainSlates: d.split.train.user.length,
    validSlates: d.split.valid.user.length,
    testSlates: d.split.test.user.length,
  };
}

/** What `higr decode` needs besides the model: the SID table and which data it was trained on. */
export interface HsdCheckpointFile {
  format: 'higr-hsd-checkpoint/1';
  source: string;
  numItems: number;
  itemIds: Int32Array;
  sidTable: SidTableData;
  tokenizer: unknown;
  train: SlateCheckpoint;
}

const replacer = (_k: string, v: unknown) => {
  if (v instanceof Float32Array) return { $f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (v instanceof Int32Array) return { $i32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  return v;
};
const reviver = (_k: string, v: unknown) => {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$f32 === 'string') {
      const b = Buffer.from(o.$f32, 'base64');
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    if (typeof o.$i32 === 'string') {
      const b = Buffer.from(o.$i32, 'base64');
      return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
  }
  return v;
};

export function writeCheckpoint(file: string, ck: HsdCheckpointFile): void {
  fs.writeFileSync(file, JSON.stringify(ck, replacer));
}

export function readCheckpoint(file: string): HsdCheckpointFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`${file}: no such checkpoint (run \`npm run higr -- train\` first or pass --checkpoint <file>)`);
  }
  let ck: HsdCheckpointFile;
  try {
    ck = JSON.parse(text, reviver) as HsdCheckpointFile;
  } catch (e) {
    throw new CliError(`${file}: not a JSON checkpoint (${(e as Error).message})`);
  }
  if (ck.format !== 'higr-hsd-checkpoint/1') throw new CliError(`${file}: field "format" is ${JSON.stringify(ck.format)}, expected "higr-hsd-checkpoint/1"`);
  if (!ck.train?.weights || !ck.sidTable?.sids) throw new CliError(`${file}: checkpoint lacks "train.weights" or "sidTable"`);
  return ck;
}
