// Columnar tables produced by the loaders (typed arrays; no arrays of row objects for interactions).

import type { DataIssue, FileKind } from './types';

export interface FileMeta {
  file: string;
  kind: FileKind;
  bytes: number;
  /** Data rows kept (header excluded). */
  rows: number;
  ms: number;
}

/** big_matrix.csv / small_matrix.csv, or a RecBole .inter file. One entry per kept row, in file order. */
export interface InteractionTable {
  kind: 'interactions' | 'recbole-inter';
  user: Int32Array;
  item: Int32Array;
  /** Seconds since epoch; NaN when the row has no timestamp (small_matrix has such rows). Absent if no column. */
  timestamp?: Float64Array;
  /** watch_ratio; absent when the file has no such column (then every row is a positive and impressions are unknown). */
  watchRatio?: Float32Array;
  playDuration?: Float32Array;
  videoDuration?: Float32Array;
  /** yyyymmdd, 0 when missing. */
  date?: Int32Array;
}

/** `user item item ...` per line: positives only (effective views), in the order listed. CSR layout. */
export interface SequenceTable {
  kind: 'sequences';
  users: Int32Array;
  offsets: Int32Array; // length users.length + 1
  items: Int32Array;
}

export interface ItemCategoryTable {
  kind: 'item-categories';
  videoIds: Int32Array;
  tagOffsets: Int32Array;
  tags: Int32Array;
}

export interface CaptionTable {
  kind: 'captions';
  videoIds: Int32Array;
  coverText: string[];
  caption: string[];
  topicTag: string[];
  cat1: Int32Array;
  cat2: Int32Array;
  cat3: Int32Array;
  cat1Name: string[];
  cat2Name: string[];
  cat3Name: string[];
}

export interface UserFeatureTable {
  kind: 'user-features';
  userIds: Int32Array;
  numeric: Record<string, Float32Array>;
  text: Record<string, string[]>;
}

export interface ItemDailyTable {
  kind: 'item-daily-features';
  videoIds: Int32Array;
  dates: Int32Array;
  numeric: Record<string, Float32Array>;
}

export interface SocialTable {
  kind: 'social-network';
  userIds: Int32Array;
  friendOffsets: Int32Array;
  friends: Int32Array;
}

export type Table =
  | InteractionTable
  | SequenceTable
  | ItemCategoryTable
  | CaptionTable
  | UserFeatureTable
  | ItemDailyTable
  | SocialTable;

export interface ParsedFile<T extends Table = Table> {
  meta: FileMeta;
  table: T;
  /** Warnings (skipped rows, bad watch_ratio, ...). Errors are thrown as DataError instead. */
  issues: DataIssue[];
}

/** A loader consumes blocks of complete lines (header already removed when the format has one). */
export interface TableLoader<T extends Table = Table> {
  consume(text: string, firstLineNo: number): number;
  /**
   * Optional byte-level fast path, used instead of consume() when present: bytes[start, end) holds complete lines
   * separated by '\n' (no trailing '\n'; the last line may be empty; bytes[end] is a '\n' sentinel when end < length). Returns the rows kept and the physical lines seen, and
   * checks UTF-8 itself (the reader does not decode).
   */
  consumeBytes?(bytes: Uint8Array, firstLineNo: number, start?: number, end?: number): { rows: number; lines: number };
  finish(): { table: T; issues: DataIssue[] };
}
