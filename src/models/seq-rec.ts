// Shared shapes of the sequential recommenders (baselines of Table 1): what a training run gets and what it returns.
// One training function per model, `train(inputs, cfg, ctl)`, usable from the pipeline worker and the CLI alike.
import { abs, add, addScalar, exp, log, matmul, neg, noGrad, relu, reshape, shuffle, slice, tidy, type Rng, type Tensor } from '../engine';
import type { SidTableData } from './sid-table';

/** Per-user training sequences (dense item ids, oldest first) as CSR, and the catalogue size. */
export interface SeqTrainInputs {
  nItems: number;
  offsets: Int32Array;
  items: Int32Array;
  /** Semantic IDs of the catalogue (generative models; provided when a registry entry sets `needsSids`). */
  sidTable?: SidTableData;
  /**
   * Per user, the training sequence followed by the protocol's validation slate (seq[0, trainEnd + M); users without a
   * validation slate: their training sequence), CSR over the same users. For choosing epochs only: never a training
   * target. Without it, models that validate hold out the last window of their training sequences instead.
   */
  validation?: { offsets: Int32Array; items: Int32Array };
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
  /** Named weights (neural models; see nn.ts Module.stateDict). */
  stateDict?(): Promise<Record<string, { shape: number[]; data: Float32Array }>>;
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

/** (B, L) ids (item + 1, 0 = padding) of the last L − reserve items of each history, right-aligned before `reserve` free slots. */
export function leftPadIds(histories: Int32Array[], L: number, reserve = 0): Int32Array {
  const ids = new Int32Array(histories.length * L);
  histories.forEach((h, b) => {
    const s = h.subarray(Math.max(0, h.length - (L - reserve)));
    for (let j = 0; j < s.length; j++) ids[b * L + L - reserve - s.length + j] = s[j] + 1;
  });
  return ids;
}

/** Scores (B, nItems) of the last position of features f (B, L, d) against an item table whose row 0 is padding. */
export function lastPositionScores(f: Tensor, table: Tensor, nItems: number): Tensor {
  const [B, L, d] = f.shape;
  return slice(matmul(reshape(slice(f, 1, L - 1, L), [B, d]), table, { transB: true }), 1, 1, nItems + 1);
}

/** Reads a scalar loss, releases it, and stops the run with a clear message when it is not finite. */
export async function readLoss(t: Tensor, model: string, epoch: number, step: number): Promise<number> {
  const v = ((await t.data()) as Float32Array)[0];
  t.dispose();
  if (!Number.isFinite(v)) throw new Error(`${model}: loss became ${v} at epoch ${epoch}, step ${step}`);
  return v;
}

/** Users with at least `minLen` training items, for a training run. */
export function trainableUsers(inputs: SeqTrainInputs, minLen: number, model: string): number[] {
  const nU = inputs.offsets.length - 1;
  const users = Array.from({ length: nU }, (_, u) => u).filter((u) => inputs.offsets[u + 1] - inputs.offsets[u] >= minLen);
  if (!users.length) throw new Error(`${model}: no training sequence has ${minLen} or more items`);
  return users;
}

/** A fresh permutation of the users for each epoch. */
export function epochOrder(users: number[], r: Rng): number[] {
  return shuffle(users, r);
}

/**
 * The epoch loop shared by the neural baselines: a fresh user order per epoch, batches of `batchSize` users,
 * `step(batchUsers, step)` builds the batch, computes the loss and applies the optimiser (returning the loss tensor),
 * then progress, cancellation, a finite-loss check and the per-epoch callback.
 */
export async function runEpochs(
  name: string,
  model: SeqRecModel,
  users: number[],
  cfg: { epochs: number; batchSize: number; lr?: number },
  r: Rng,
  ctl: TrainControl,
  step: (batch: number[], step: number) => Tensor,
): Promise<void> {
  // every sequential baseline trains through here: refuse nonsense settings with the setting's name, before any work
  const bad: string[] = [];
  for (const k of ['epochs', 'batchSize'] as const) if (!Number.isInteger(cfg[k]) || cfg[k] < 1) bad.push(`${k} must be an integer >= 1 (got ${cfg[k]})`);
  if (cfg.lr !== undefined && !(cfg.lr > 0)) bad.push(`lr must be > 0 (got ${cfg.lr})`);
  if (bad.length) throw new Error(`${name}: ${bad.join('; ')}`);
  const perEpoch = Math.max(1, Math.ceil(users.length / cfg.batchSize));
  const total = perEpoch * cfg.epochs;
  let k = 0;
  for (let ep = 0; ep < cfg.epochs; ep++) {
    epochOrder(users, r);
    let epLoss = 0;
    for (let bi = 0; bi < perEpoch; bi++) {
      checkAborted(ctl.signal, name);
      const lv = await readLoss(step(users.slice(bi * cfg.batchSize, (bi + 1) * cfg.batchSize), k), name, ep + 1, k + 1);
      epLoss += lv;
      k++;
      ctl.onProgress?.({ step: k, total, scalars: { loss: lv, epoch: ep + 1 } });
    }
    await ctl.onEpoch?.(ep + 1, model, epLoss / perEpoch);
    // weights after each epoch for the run layer to persist (resuming, i.e. restoring optimiser state, is not built)
    if (ctl.checkpoint && model.stateDict) await ctl.checkpoint({ model: name, epoch: ep + 1, step: k, weights: await model.stateDict() });
  }
}

/** Runs a scoring forward pass without gradients and returns its (B, nItems) scores as a typed array. */
export async function readScores(fn: () => Tensor): Promise<Float32Array> {
  const out = noGrad(() => tidy(fn));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
