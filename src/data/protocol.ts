// The evaluation protocol: one typed, serialisable object carried by every dataset and every later result.

export type SequenceOrder = 'timestamp' | 'file';

export interface Protocol {
  /** Which loaded source the sequences come from (file name, or a bundled source id). */
  source: string;
  /** 'timestamp': sequences sorted by timestamp per user; 'file': the order the file lists them (positives files). */
  order: SequenceOrder;
  /** An impression is an effective view when watch_ratio >= this threshold. */
  effectiveViewThreshold: number;
  /** Slate size M: the test target is the last M effective views (leave-M-out, M = 5 by default). */
  slateSize: number;
  /** When true, the M effective views before the test slate form a validation slate. */
  validation: boolean;
  /**
   * Minimum history (effective views before the earliest target slate) a user needs to be kept. 0 is allowed with
   * `validation` (the test slate then still has >= slateSize items of history; see REFERENCE_PROTOCOL).
   */
  minHistory: number;
  /** Items with fewer effective views than this (over the source, before the split) are removed. */
  minItemFreq: number;
  /** Human-readable note on what the held-out slate means for this source (shown next to every result). */
  holdoutNote: string;
  /** False when the source holds positives only (sequence files): impression-based metrics are unavailable. */
  impressionsAvailable: boolean;
}

export const DEFAULT_PROTOCOL: Protocol = {
  source: 'bundled:small_matrix_time_ordered',
  order: 'timestamp',
  effectiveViewThreshold: 2.0,
  slateSize: 5,
  validation: false,
  minHistory: 1,
  minItemFreq: 1,
  holdoutNote: 'chronological leave-five-out: the test slate is each user\'s five most recent effective views',
  impressionsAvailable: false,
};

export const CHRONOLOGICAL_NOTE = (m: number) => `chronological leave-${m}-out: the test slate is each user's ${m} most recent effective views`;
export const FILE_ORDER_NOTE = (m: number) =>
  `holdout of the last ${m} items LISTED in the file; the file order is not chronological, so this is not "the ${m} most recent views"`;

/**
 * The reference evaluation protocol of issue 18 (the one the reference SASRec / popularity / co-occurrence figures were
 * measured on): users with >= 10 effective views, test target = last 5, validation target = the 5 before, test input =
 * everything before the last 5, training = everything before the validation slate; history excluded at ranking time
 * (an evaluation setting, see src/eval/harness.ts); every catalogue item ranked.
 */
export const REFERENCE_PROTOCOL: Protocol = { ...DEFAULT_PROTOCOL, validation: true, minHistory: 0 };

/** Minimum number of effective views a user needs under this protocol. */
export function minSequenceLength(p: Pick<Protocol, 'slateSize' | 'validation' | 'minHistory'>): number {
  return p.minHistory + p.slateSize * (p.validation ? 2 : 1);
}

/** Validates a protocol; returns human-readable problems (empty when fine). */
export function validateProtocol(p: Protocol): string[] {
  const bad: string[] = [];
  if (!Number.isFinite(p.effectiveViewThreshold) || p.effectiveViewThreshold < 0) bad.push('effectiveViewThreshold must be a number >= 0');
  if (!Number.isInteger(p.slateSize) || p.slateSize < 1) bad.push('slateSize must be an integer >= 1');
  if (!Number.isInteger(p.minHistory) || p.minHistory < (p.validation ? 0 : 1))
    bad.push(p.validation ? 'minHistory must be an integer >= 0' : 'minHistory must be an integer >= 1 (0 only with validation)');
  if (!Number.isInteger(p.minItemFreq) || p.minItemFreq < 1) bad.push('minItemFreq must be an integer >= 1');
  return bad;
}
