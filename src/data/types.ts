// Shared data-layer types: file kinds, issues (typed errors/warnings), progress, parse options.

export type FileKind =
  | 'interactions' // big_matrix.csv / small_matrix.csv (same header)
  | 'recbole-inter' // RecBole atomic .inter file (tab separated, typed header)
  | 'sequences' // `user item item ...` per line (positives only)
  | 'item-categories' // video_id,feat
  | 'captions' // kuairec_caption_category.csv
  | 'user-features' // user_features.csv
  | 'item-daily-features' // item_daily_features.csv
  | 'social-network'; // user_id,friend_list

export type IssueKind =
  | 'unknown-format'
  | 'missing-columns'
  | 'malformed-rows'
  | 'bad-watch-ratio'
  | 'unknown-items'
  | 'missing-timestamp'
  | 'empty-file'
  | 'encoding'
  | 'duplicate'
  | 'aborted'
  | 'io'
  | 'unclosed-quote' // a quoted field that is never closed (the file is refused; `lines` = where the quote opened)
  | 'duplicate-column' // a header naming the same column twice
  | 'duplicate-ids' // a keyed side table repeating its id (the first row is kept, later lines reported)
  | 'no-users' // the file loaded but the protocol selects no user (warning: relax a setting)
  | 'bad-embeddings'; // an embedding file (.safetensors / .npy) that is malformed or holds NaN/Inf

/** A problem found in one file. `lines` are 1-based line numbers (header = line 1), at most the first 5. */
export interface DataIssue {
  file: string;
  kind: IssueKind;
  severity: 'error' | 'warning';
  message: string;
  lines?: number[];
  count?: number;
}

/** Thrown by loaders; carries the same fields as DataIssue so the UI and CLI show one clear line. */
export class DataError extends Error {
  readonly file: string;
  readonly kind: IssueKind;
  readonly lines?: number[];
  readonly count?: number;
  constructor(issue: { file: string; kind: IssueKind; message: string; lines?: number[]; count?: number }) {
    super(issue.message);
    this.name = 'DataError';
    this.file = issue.file;
    this.kind = issue.kind;
    this.lines = issue.lines;
    this.count = issue.count;
  }
  toIssue(): DataIssue {
    return { file: this.file, kind: this.kind, severity: 'error', message: this.message, lines: this.lines, count: this.count };
  }
}

export function isDataError(e: unknown): e is DataError {
  return e instanceof DataError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'DataError');
}

export interface Progress {
  bytes: number;
  totalBytes: number | undefined;
  rows: number;
  rowsPerSec: number;
  etaSec: number | undefined;
}

export type MalformedPolicy = 'skip' | 'stop';

export interface ParseOptions {
  /** What to do with a malformed row: skip it (counted, first 5 line numbers reported) or stop with an error. */
  malformed?: MalformedPolicy;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Minimum milliseconds between progress callbacks (default 100). */
  progressEveryMs?: number;
  /** Total size in bytes, for the ETA. */
  totalBytes?: number;
}

/** Collects up to 5 line numbers and a count for one kind of row problem. */
export class RowProblem {
  count = 0;
  lines: number[] = [];
  add(line: number): void {
    this.count++;
    if (this.lines.length < 5) this.lines.push(line);
  }
}
