// A data session: the workspace + protocol + current dataset, with cancellable loads and a plain-data snapshot for the
// UI. Runs inside the data Web Worker in the browser (src/worker/data.worker.ts) and directly in Node tests.

import { BUNDLED_ATTRIBUTION_SHORT, loadBundledDataset, type FetchLike } from './bundled';
import type { Dataset } from './dataset';
import { buildItemFeatures, sequencesFromTable, type ItemFeatures, type ItemFeatureSpec, type TrainingSequences, DEFAULT_FEATURE_SPEC } from './item-features';
import type { SequenceTable } from './tables';
import { fromBlob, type InputFile } from './input-file';
import { DEFAULT_PROTOCOL, validateProtocol, type Protocol, type SequenceOrder } from './protocol';
import { leaveSlateOut, trainingSequences } from './split';
import type { DatasetStats } from './stats';
import type { DataIssue, FileKind, Progress } from './types';
import { DataWorkspace, type BuildResult, type LoadedFileInfo } from './workspace';
import type { StageData } from '../stages/types';
import { datasetFingerprint } from '../stages/fingerprint';

export interface SourceInfo { name: string; kind: FileKind; order: SequenceOrder; bundled: boolean }

export interface FileReport {
  name: string;
  size: number;
  status: 'loaded' | 'error' | 'duplicate' | 'cancelled';
  kind?: FileKind;
  rows?: number;
  issues: DataIssue[];
}

/** Everything the UI shows, as plain JSON. */
export interface DataSnapshot {
  files: LoadedFileInfo[];
  sources: SourceInfo[];
  protocol: Protocol;
  /** The source chosen by the user; undefined = automatic (see DataWorkspace.defaultSource). */
  chosenSource?: string;
  stats?: DatasetStats;
  split?: { train: number; valid: number; test: number };
  /** Issues of the current build (unknown items, ...). */
  issues: DataIssue[];
  /** Bumped on every rebuild; the dataset handle is `dataset-<version>`. */
  version: number;
  bundled: boolean;
  /** Names of the files that came from the bundled dataset. */
  bundledFiles: string[];
  attribution?: string;
}

export type ProgressFn = (name: string, p: Progress) => void;

export class DataSession {
  private ws = new DataWorkspace();
  private protocolPatch: Partial<Protocol> = {};
  private chosenSource?: string;
  private current?: BuildResult;
  private version = 0;
  private bundledNames = new Set<string>();
  private aborts = new Map<string, AbortController>();
  private attribution?: string;

  async loadBundled(fetchLike: FetchLike, onProgress?: ProgressFn): Promise<DataSnapshot> {
    const r = await loadBundledDataset(fetchLike, { workspace: this.ws, protocol: this.protocolPatch, onFile: onProgress });
    for (const f of r.manifest.files) this.bundledNames.add(f.name);
    this.attribution = BUNDLED_ATTRIBUTION_SHORT;
    this.rebuild();
    return this.snapshot();
  }

  /** Loads files one after the other; a failing file never affects the others or what is loaded. */
  async addFiles(files: (InputFile | (Blob & { name: string }))[], onProgress?: ProgressFn): Promise<{ reports: FileReport[]; snapshot: DataSnapshot }> {
    const reports: FileReport[] = [];
    for (const f of files) {
      const input: InputFile = 'head' in f ? f : fromBlob(f);
      const ac = new AbortController();
      this.aborts.set(input.name, ac);
      try {
        const r = await this.ws.add(input, { signal: ac.signal, onProgress: onProgress ? (p) => onProgress(input.name, p) : undefined });
        const err = r.issues.find((i) => i.severity === 'error');
        reports.push({
          name: input.name, size: input.size, kind: r.info?.kind, rows: r.info?.rows, issues: r.issues,
          status: r.duplicateOf ? 'duplicate' : err?.kind === 'aborted' ? 'cancelled' : err ? 'error' : 'loaded',
        });
      } finally {
        this.aborts.delete(input.name);
      }
    }
    if (reports.some((r) => r.status === 'loaded')) this.rebuild();
    return { reports, snapshot: this.snapshot() };
  }

  /** Cancels a file being loaded (by name), or every load when no name is given. */
  cancel(name?: string): void {
    for (const [n, ac] of this.aborts) if (!name || n === name) ac.abort();
  }

  setProtocol(patch: Partial<Protocol> & { source?: string }): DataSnapshot {
    const next = { ...DEFAULT_PROTOCOL, ...this.protocolPatch, ...patch };
    const bad = validateProtocol(next);
    if (bad.length) throw new Error(`invalid protocol: ${bad.join('; ')}`);
    const { source, ...rest } = patch;
    this.protocolPatch = { ...this.protocolPatch, ...rest };
    if (source !== undefined) this.chosenSource = source || undefined;
    this.rebuild();
    return this.snapshot();
  }

  remove(id: string): DataSnapshot {
    const f = this.ws.files().find((x) => x.id === id);
    this.ws.remove(id);
    if (f && f.name === this.chosenSource) this.chosenSource = undefined;
    this.rebuild();
    return this.snapshot();
  }

  private rebuild(): void {
    if (!this.ws.sources().length) { this.current = undefined; this.version++; return; }
    this.current = this.ws.build({ ...this.protocolPatch, source: this.chosenSource });
    this.version++;
  }

  dataset(): Dataset | undefined {
    return this.current?.dataset;
  }

  workspace(): DataWorkspace {
    return this.ws;
  }

  /** What a stage assembles its inputs from (src/stages): workspace, current dataset, its source, a fingerprint. */
  stageData(): StageData {
    const ds = this.current?.dataset;
    const name = ds?.protocol.source;
    const protocol = ds ? { ...ds.protocol } : { ...DEFAULT_PROTOCOL, ...this.protocolPatch };
    return {
      workspace: this.ws,
      dataset: ds,
      source: name ? { name, bundled: this.bundledNames.has(name) } : undefined,
      fingerprint: datasetFingerprint(this.ws.files().map((f) => f.id), protocol, name),
    };
  }

  /**
   * Item features for the current dataset. Co-occurrence uses the TRAINING part of the leave-M-out split of the current
   * source, or — when `cooccurrenceSource` names a loaded sequence file (e.g. big_matrix_positives.txt) — that whole
   * file (a different file from the evaluated one; overlap with the test slates is not checked: say so with results).
   */
  itemFeatures(spec: ItemFeatureSpec = DEFAULT_FEATURE_SPEC, opts: { cooccurrenceSource?: string } = {}): ItemFeatures {
    const ds = this.current?.dataset;
    if (!ds) throw new Error('no dataset loaded');
    const side = this.ws.sideTables();
    let training: TrainingSequences | undefined;
    if (spec.cooccurrence) {
      if (opts.cooccurrenceSource) {
        const t = this.ws.table<SequenceTable>(opts.cooccurrenceSource);
        if (!t || t.kind !== 'sequences') throw new Error(`${opts.cooccurrenceSource}: not a loaded sequence file`);
        training = sequencesFromTable(t);
      } else {
        training = { ...trainingSequences(ds, leaveSlateOut(ds)), itemIds: ds.itemIds };
      }
    }
    return buildItemFeatures({ ids: ds.itemIds, categories: side.categories, captions: side.captions, training }, spec);
  }

  snapshot(): DataSnapshot {
    const ds = this.current?.dataset;
    const split = ds ? leaveSlateOut(ds) : undefined;
    return {
      files: this.ws.files(),
      sources: this.ws.sources().map((s) => ({ name: s.name, kind: s.kind, order: s.kind === 'sequences' ? s.order ?? 'file' : 'timestamp', bundled: this.bundledNames.has(s.name) })),
      protocol: ds?.protocol ?? { ...DEFAULT_PROTOCOL, ...this.protocolPatch },
      chosenSource: this.chosenSource,
      stats: this.current?.stats,
      split: split && { train: split.train.user.length, valid: split.valid?.user.length ?? 0, test: split.test.user.length },
      issues: this.current?.issues ?? [],
      version: this.version,
      bundled: this.bundledNames.size > 0,
      bundledFiles: [...this.bundledNames],
      attribution: this.attribution,
    };
  }
}
