// Shared shapes of the sequential recommenders (baselines of Table 1): what a training run gets and what it returns.
// One training function per model, `train(inputs, cfg, ctl)`, usable from the pipeline worker and the CLI alike.

/** Per-user training sequences (dense item ids, oldest first) as CSR, and the catalogue size. */
export interface SeqTrainInputs {
  nItems: number;
  offsets: Int32Array;
  items: Int32Array;
}

export interface TrainProgress {
  step: number;
  total: number;
  scalars: Record<string, number>;
}

export interface TrainControl {
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Called now and then with a serialisable snapshot (the run layer may persist it). */
  checkpoint?: (state: unknown) => void | Promise<void>;
}

/** A trained ranking model: scores of all nItems items for each history (row-major, histories.length × nItems). */
export interface SeqRecModel {
  readonly name: string;
  readonly nItems: number;
  numParameters(): number;
  score(histories: Int32Array[]): Promise<Float32Array> | Float32Array;
  dispose?(): void;
}

export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new Error(`${what}: training cancelled`);
}

/** Sequence u of a CSR set. */
export function seqOf(s: { offsets: Int32Array; items: Int32Array }, u: number): Int32Array {
  return s.items.subarray(s.offsets[u], s.offsets[u + 1]);
}
