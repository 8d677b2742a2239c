// Shared shapes of the sequential recommenders (baselines of Table 1): what a training run gets and what it returns.
// One training function per model, `train(inputs, cfg, ctl)`, usable from the pipeline worker and the CLI alike.
import { abs, add, addScalar, exp, log, neg, relu, type Tensor } from '../engine';
import type { SidTableData } from './sid-table';

/** Per-user training sequences (dense item ids, oldest first) as CSR, and the catalogue size. */
export interface SeqTrainInputs {
  nItems: number;
  offsets: Int32Array;
  items: Int32Array;
  /** Semantic IDs of the catalogue (generative models; provided when a registry entry sets `needsSids`). */
  sidTable?: SidTableData;
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
  /** Called after each epoch with the model (e.g. validation metrics) and the epoch's mean loss. */
  onEpoch?: (epoch: number, model: SeqRecModel, meanLoss: number) => void | Promise<void>;
}

/** A trained ranking model: scores of all nItems items for each history (row-major, histories.length × nItems). */
export interface SeqRecModel {
  readonly name: string;
  readonly nItems: number;
  numParameters(): number;
  score(histories: Int32Array[]): Promise<Float32Array> | Float32Array;
  /** Generative models: slates of k distinct items per history (history excluded); used instead of `score` when present. */
  slates?(histories: Int32Array[], k: number): Promise<Int32Array[]>;
  dispose?(): void;
}

export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new Error(`${what}: training cancelled`);
}

/** Sequence u of a CSR set. */
export function seqOf(s: { offsets: Int32Array; items: Int32Array }, u: number): Int32Array {
  return s.items.subarray(s.offsets[u], s.offsets[u + 1]);
}

/** softplus(x) = log(1 + eˣ), stably: relu(x) + log(1 + e^−|x|). */
export function softplus(x: Tensor): Tensor {
  return add(relu(x), log(addScalar(exp(neg(abs(x))), 1)));
}

/** Elementwise binary cross-entropy with logits against a constant label (1: softplus(−x), 0: softplus(x)). */
export function bceWithLogits(logits: Tensor, label: 0 | 1): Tensor {
  return softplus(label === 1 ? neg(logits) : logits);
}
