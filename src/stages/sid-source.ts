// The semantic IDs a stage trains on, from its SID-source settings (sid-source-config.ts): the kept codes of a finished
// tokenizer run of the run store (re-disambiguated over the dataset's items), or a tokenizer trained on the item
// features now. The one assembly of the slate-decoder and table1-model stages (browser data worker and `higr run`).
import type { Dataset } from '../data/dataset';
import { fnv1a } from '../data/fingerprint';
import { getBackend, initCpu } from '../engine';
import { buildSidTable, type SidTableData } from '../models/sid-table';
import { sidsForDataset, REAL_DATA_FEATURES, type SlateSids } from '../train/slate-data';
import type { TokenizerKind } from '../tokenizer/train';
import { describeSidSource, type SidSourceConfig } from './sid-source-config';
import type { TokenizerKept } from './tokenizer';
import type { StageData } from './types';

/** The backend an on-the-fly tokenizer trained on, and why that one. */
export interface SidBackend {
  backend: string;
  backendReason: string;
}

/** Where a stage's SIDs came from: the tokenizer run, or the on-the-fly tokenizer's settings, metrics and backend. */
export type SidSource = (SlateSids['tokenizer'] & SidBackend) | { run: string; kind: string; collisionRate: number };

export interface StageSids {
  table: SidTableData;
  tokenizer: SidSource;
  /** one line: the source and the table (widths, collision rate) */
  label: string;
}

/** SIDs of the dataset's items from a finished tokenizer run's kept codes (re-disambiguated over these items). */
export async function sidsFromRun(data: StageData, id: string, ds: Dataset): Promise<{ table: SidTableData; tokenizer: SidSource }> {
  const rec = await data.store?.get(id);
  if (!rec) throw new Error(`tokenizerRun: no run "${id}" in the run store (Runs panel / higr run --list)`);
  if (rec.stage !== 'tokenizer') throw new Error(`tokenizerRun: run "${id}" is a ${rec.stage} run, not a tokenizer run`);
  const kept = await data.store!.getResult<TokenizerKept>(id);
  if (!kept || (rec.status !== 'done' && rec.status !== 'stopped')) throw new Error(`tokenizerRun: run "${id}" is ${rec.status}, it has no SID table (finish or resume it first)`);
  const row = new Map<number, number>();
  kept.itemIds.forEach((v, i) => row.set(v, i));
  const n = ds.itemIds.length, D = kept.depth;
  const codes = new Int32Array(n * D);
  let missing = 0, example = -1;
  for (let i = 0; i < n; i++) {
    const r = row.get(ds.itemIds[i]);
    if (r === undefined) {
      missing++;
      if (example < 0) example = ds.itemIds[i];
    } else codes.set(kept.codes.subarray(r * D, (r + 1) * D), i * D);
  }
  if (missing) throw new Error(`tokenizerRun: run "${id}" tokenized ${kept.itemIds.length} items, ${missing} of the dataset's ${n} items are not among them (e.g. video_id ${example}): train the tokenizer with max items 0 on the same data`);
  const table = buildSidTable(Int32Array.from({ length: n }, (_, i) => i), codes, D, kept.codebookSizes);
  return { table, tokenizer: { run: id, kind: kept.kind, collisionRate: table.collisions.rate } };
}

/**
 * SID tables trained on the fly, by (loaded files + protocol, items, settings, seed): the item features and the
 * tokenizer cost tens of seconds on the CPU, and a Table 1 batch assembles one run per model × seed on the same SIDs.
 * The data worker (and the CLI) keep the last few; every caller gets its own copy (stages transfer their buffers).
 */
const onTheFly = new Map<string, Promise<SlateSids>>();
const MEMO_SIZE = 4;

/** The stage's SID table: from `cfg.tokenizerRun`, or a tokenizer of `cfg`'s kind trained on the item features now. */
/**
 * The backend the on-the-fly tokenizer trains on: the current one — `higr run` selects the run's backend (auto, wasm,
 * webgpu, cpu) before it assembles, and says why in `data.backend` — or, where none is set (the browser's data worker
 * assembles stage inputs and has no backend of its own), the CPU reference.
 */
export function sidBackend(data: StageData): SidBackend {
  try {
    const kind = getBackend().kind;
    return { backend: kind, backendReason: data.backend?.kind === kind ? data.backend.reason : 'the backend current where the inputs were assembled' };
  } catch {
    initCpu();
    return { backend: 'cpu', backendReason: 'no backend where the inputs were assembled (the browser data worker has none of its own): the CPU reference' };
  }
}

/** The stage's SID table: from `cfg.tokenizerRun`, or a tokenizer of `cfg`'s kind trained on the item features now. */
export async function stageSids(data: StageData, ds: Dataset, cfg: SidSourceConfig, seed: number): Promise<StageSids> {
  const be = sidBackend(data);
  let s: { table: SidTableData; tokenizer: SidSource };
  if (cfg.tokenizerRun) s = await sidsFromRun(data, cfg.tokenizerRun, ds);
  else {
    const settings = { kind: cfg.sidKind as TokenizerKind, levels: cfg.levels, codebookSize: cfg.codebookSize, steps: cfg.sidSteps, seed, features: REAL_DATA_FEATURES };
    // SIDs of another backend may differ in the last bits (docs/tokenizers.md): kept apart
    const key = JSON.stringify([data.fingerprint, fnv1a(new Uint8Array(ds.itemIds.buffer, ds.itemIds.byteOffset, ds.itemIds.byteLength)), settings, be.backend]);
    let p = onTheFly.get(key);
    if (!p) {
      p = sidsForDataset(data.workspace, ds, settings);
      onTheFly.set(key, p);
      p.catch(() => onTheFly.delete(key));
      while (onTheFly.size > MEMO_SIZE) onTheFly.delete(onTheFly.keys().next().value!);
    }
    const got = structuredClone(await p);
    s = { table: got.table, tokenizer: { ...got.tokenizer, ...be } };
  }
  const t = s.table;
  const on = 'backend' in s.tokenizer ? `; trained on ${s.tokenizer.backend}` : '';
  return { ...s, label: `${describeSidSource(cfg, seed)}: widths [${t.widths.join(', ')}], collision rate ${t.collisions.rate.toFixed(3)}${on}` };
}
