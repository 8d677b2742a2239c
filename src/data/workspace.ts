// The set of loaded files. Adding a file never throws and never loses what is already loaded: an unusable file
// becomes an error issue; a file already loaded (same name + size + first-64KiB hash) is reported and skipped.

import { buildDataset, type Dataset } from './dataset';
import { fingerprint, FINGERPRINT_HEAD_BYTES } from './fingerprint';
import { ingestFile } from './ingest';
import type { InputFile } from './input-file';
import { DEFAULT_PROTOCOL, minSequenceLength, type Protocol, type SequenceOrder } from './protocol';
import { datasetStats, type DatasetStats } from './stats';
import type { CaptionTable, InteractionTable, ItemCategoryTable, ParsedFile, SequenceTable, SocialTable, Table, UserFeatureTable, ItemDailyTable } from './tables';
import { DataError, isDataError, type DataIssue, type FileKind, type ParseOptions } from './types';

export interface LoadedFileInfo {
  id: string;
  name: string;
  size: number;
  kind: FileKind;
  rows: number;
  ms: number;
  /** For sequence files: whether the listed order is chronological (declared by the bundle manifest; dropped files: 'file'). */
  order?: SequenceOrder;
  issues: DataIssue[];
}

export interface AddResult {
  info?: LoadedFileInfo;
  /** Errors (file not loaded) and warnings (file loaded with problems) for this file. */
  issues: DataIssue[];
  duplicateOf?: string;
}

export interface SideTables {
  categories?: ItemCategoryTable;
  captions?: CaptionTable;
  userFeatures?: UserFeatureTable;
  itemDaily?: ItemDailyTable;
  social?: SocialTable;
}

export interface BuildResult {
  dataset: Dataset;
  stats: DatasetStats;
  issues: DataIssue[];
}

interface Entry { info: LoadedFileInfo; parsed: ParsedFile }

export class DataWorkspace {
  private entries = new Map<string, Entry>();

  async add(file: InputFile, opts: ParseOptions & { order?: SequenceOrder } = {}): Promise<AddResult> {
    let id: string;
    try {
      id = fingerprint(file.name, file.size, await file.head(FINGERPRINT_HEAD_BYTES));
    } catch (e) {
      return { issues: [{ file: file.name, kind: 'io', severity: 'error', message: `${file.name}: could not be read (${(e as Error).message})` }] };
    }
    const dup = this.entries.get(id);
    if (dup) {
      return { duplicateOf: dup.info.name, issues: [{ file: file.name, kind: 'duplicate', severity: 'warning', message: `${file.name}: already loaded (same name, size and content); ignored` }] };
    }
    try {
      const parsed = await ingestFile({ name: file.name, size: file.size, stream: file.stream() }, { totalBytes: file.size, ...opts });
      const info: LoadedFileInfo = {
        id, name: file.name, size: file.size, kind: parsed.meta.kind, rows: parsed.meta.rows, ms: parsed.meta.ms, issues: parsed.issues,
        order: parsed.table.kind === 'sequences' ? opts.order ?? 'file' : undefined,
      };
      this.entries.set(id, { info, parsed });
      return { info, issues: parsed.issues };
    } catch (e) {
      const err = isDataError(e) ? e : new DataError({ file: file.name, kind: 'io', message: `${file.name}: ${(e as Error).message}` });
      return { issues: [err.toIssue()] };
    }
  }

  remove(id: string): boolean {
    return this.entries.delete(id);
  }

  files(): LoadedFileInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  /** Files that can be a protocol source (interaction matrices, .inter, sequences). */
  sources(): LoadedFileInfo[] {
    return this.files().filter((f) => f.kind === 'interactions' || f.kind === 'recbole-inter' || f.kind === 'sequences');
  }

  table<T extends Table>(name: string): T | undefined {
    for (const e of this.entries.values()) if (e.info.name === name) return e.parsed.table as T;
    return undefined;
  }

  /** The most recently loaded table of each side kind. */
  sideTables(): SideTables {
    const out: SideTables = {};
    for (const { parsed } of this.entries.values()) {
      const t = parsed.table;
      if (t.kind === 'item-categories') out.categories = t;
      else if (t.kind === 'captions') out.captions = t;
      else if (t.kind === 'user-features') out.userFeatures = t;
      else if (t.kind === 'item-daily-features') out.itemDaily = t;
      else if (t.kind === 'social-network') out.social = t;
    }
    return out;
  }

  /** Default source: an interaction matrix (most recent), else a time-ordered sequence file, else any sequence file. */
  defaultSource(): LoadedFileInfo | undefined {
    const s = this.sources();
    return (
      [...s].reverse().find((f) => f.kind === 'interactions' || f.kind === 'recbole-inter') ??
      s.find((f) => f.kind === 'sequences' && f.order === 'timestamp') ??
      s[0]
    );
  }

  /** Builds the dataset for protocol.source (falls back to defaultSource() when it is not loaded). */
  build(protocol: Partial<Protocol> = {}): BuildResult {
    const sources = this.sources();
    const src = sources.find((f) => f.name === protocol.source) ?? this.defaultSource();
    if (!src) throw new DataError({ file: protocol.source ?? '(none)', kind: 'empty-file', message: 'no interaction or sequence file loaded: load big_matrix.csv, small_matrix.csv, a .inter file or a sequence file' });
    const entry = [...this.entries.values()].find((e) => e.info.id === src.id)!;
    const table = entry.parsed.table as InteractionTable | SequenceTable;
    const p: Protocol = { ...DEFAULT_PROTOCOL, ...protocol, source: src.name, order: table.kind === 'sequences' ? src.order ?? 'file' : 'timestamp' };
    const dataset = buildDataset({ name: src.name, table }, p);
    const issues: DataIssue[] = [];
    const unknown = this.unknownItems(dataset);
    if (unknown) issues.push(unknown);
    const none = noUserIssue(dataset, table);
    if (none) issues.push(none);
    return { dataset, stats: datasetStats(dataset), issues };
  }

  /** Items of the dataset missing from the loaded item side tables (warn + count). */
  unknownItems(ds: Dataset): DataIssue | undefined {
    const side = this.sideTables();
    const table = side.categories ?? side.captions;
    if (!table) return undefined;
    const known = new Set(table.videoIds);
    let n = 0;
    const first: number[] = [];
    for (const id of ds.itemIds) if (!known.has(id)) { n++; if (first.length < 5) first.push(id); }
    if (!n) return undefined;
    const sideName = this.files().find((f) => f.kind === (side.categories ? 'item-categories' : 'captions'))?.name ?? 'side table';
    return {
      file: ds.protocol.source, kind: 'unknown-items', severity: 'warning', count: n,
      message: `${ds.protocol.source}: ${n} item id(s) not in ${sideName} (e.g. ${first.join(', ')}); they get no category/caption features`,
    };
  }
}

/**
 * Loading and the protocol are different things: a file that loads but whose users all have fewer effective views
 * than the protocol needs gives a warning naming the settings to relax (never an error: the statistics still show).
 */
export function noUserIssue(ds: Dataset, table: InteractionTable | SequenceTable): DataIssue | undefined {
  if (ds.userIds.length > 0) return undefined;
  const p = ds.protocol;
  const need = minSequenceLength(p);
  // the longest effective-view sequence in the source, before the item filter
  let longest = 0;
  if (table.kind === 'sequences') {
    for (let u = 0; u < table.users.length; u++) longest = Math.max(longest, table.offsets[u + 1] - table.offsets[u]);
  } else {
    const per = new Map<number, number>();
    const wr = table.watchRatio;
    const ts = table.timestamp;
    for (let i = 0; i < table.user.length; i++) {
      if (wr && !(wr[i] >= p.effectiveViewThreshold)) continue;
      if (ts && Number.isNaN(ts[i])) continue;
      per.set(table.user[i], (per.get(table.user[i]) ?? 0) + 1);
    }
    for (const c of per.values()) longest = Math.max(longest, c);
  }
  const relax = [
    p.minHistory > 1 ? `--min-history (now ${p.minHistory})` : '',
    `--slate (now ${p.slateSize})`,
    p.validation ? '--validation (off)' : '',
    p.minItemFreq > 1 ? `--min-item-freq (now ${p.minItemFreq})` : '',
    p.impressionsAvailable ? `--threshold (now ${p.effectiveViewThreshold}; effective view = watch_ratio >= threshold)` : '',
  ].filter(Boolean);
  return {
    file: p.source, kind: 'no-users', severity: 'warning',
    message: `${p.source}: the protocol selects no user: it needs ${need} effective views per user (min-history ${p.minHistory} + ${p.validation ? '2 x ' : ''}slate ${p.slateSize}) and the longest user has ${longest}${p.minItemFreq > 1 ? ' before the item filter' : ''}; relax ${relax.join(' or ')}`,
  };
}
