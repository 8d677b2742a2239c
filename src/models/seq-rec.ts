// Shared shapes of the sequential recommenders (baselines of Table 1): what a training run gets and what it returns.
// One training function per model, `train(inputs, cfg, ctl)`, usable from the pipeline worker and the CLI alike.
import { abs, add, addScalar, dropout, dropoutSeed, embedding, exp, log, matmul, mul, neg, noGrad, randn, relu, reshape, scale, shuffle, slice, tensor, tidy, type Rng, type Tensor, rng as makeRng } from '../engine';
import type { AttentionDropout } from './attention-dropout';
import { LayerNorm, Module, type AdamWState, type StateDict } from './nn';
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
  /**
   * Resumable training (the stage layer's checkpoints): a loop that can resume saves its whole state (weights,
   * optimizer, RNG position, step; the SID models' SlateCheckpoint, the sequence baselines' SeqCheckpoint) every
   * `every` steps and when stopped, and continues from `resume`. Only models whose registry entry is `resumable` get it.
   */
  checkpoints?: { every: number; resume?: unknown; save(state: unknown): Promise<void> };
  /** Called after each epoch with the model (e.g. validation metrics) and the epoch's mean loss. */
  onEpoch?: (epoch: number, model: SeqRecModel, meanLoss: number) => void | Promise<void>;
  /**
   * Validation score of the model (higher is better; Table 1: recall@5 on the VALIDATION slates, never the test
   * slates). With it and `evalEvery`/`patience` in the settings, training stops early and keeps the best weights.
   */
  validate?: (model: SeqRecModel) => Promise<number>;
  /**
   * Diagnostic metrics of the model (Table 1: recall@5 / NDCG@5 on the TEST slates, as pmixer's main.py prints its test
   * metrics every 20 epochs), recorded every `traceEvery` epochs into `trainLog.trace`. Never used to pick weights or stop.
   */
  trace?: (model: SeqRecModel) => Promise<Record<string, number>>;
}

/** What a run did (early stopping): epochs trained, the epoch whose weights were kept, the validation curve. */
export interface TrainLog {
  epochsRun: number;
  bestEpoch: number;
  bestValidation: number | null;
  validation: { epoch: number; score: number }[];
  stoppedEarly: boolean;
  /** `ctl.trace` every `traceEvery` epochs (diagnostic only; absent when not asked for). */
  trace?: ({ epoch: number } & Record<string, number>)[];
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
  loadStateDict?(sd: StateDict): void;
  /** Set by runEpochs: epochs run, early stopping, validation curve. */
  trainLog?: TrainLog;
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

/** Early-stopping settings of the neural baselines (0 = off). */
export interface EarlyStopSettings {
  /** Validate every this many epochs (and after the last); 0 = never. */
  evalEvery?: number;
  /** Stop after this many validations without improvement; 0 = train all epochs (still keep the best weights). */
  patience?: number;
  /** Record `ctl.trace` every this many epochs (and after the last); 0 = never. A diagnostic: it never picks weights. */
  traceEvery?: number;
}

/**
 * The whole state of a sequence baseline's training run at a batch boundary (TrainControl.checkpoints): a run resumed
 * from it continues bit-identically (same batches, negatives, masks, dropout, optimizer moments, validation history).
 */
export interface SeqCheckpoint {
  kind: 'seq-rec';
  /** the model's name (SASRec, BERT4Rec, HSTU): a checkpoint of another model is refused */
  model: string;
  /** optimizer steps done = the next step to run */
  step: number;
  /** the epoch in progress (0-based) and its next batch */
  epoch: number;
  batch: number;
  /** the user order (runEpochs shuffles it in place at every epoch's start); `ordered` = drawn for this epoch already */
  order: Int32Array;
  ordered: boolean;
  /** the training RNG's state (batches, negatives, masks draw from it) */
  rng: number;
  /** loss sum of the epoch in progress (its mean goes to ctl.onEpoch) */
  epochLoss: number;
  weights: StateDict;
  optimizer: AdamWState;
  /** epochs run, validation and trace history so far; the best validated weights and validations since */
  log: TrainLog;
  best: StateDict | null;
  sinceBest: number;
}

/** What runEpochs needs of the optimiser to checkpoint and resume it (AdamW). */
export interface ResumableOptimizer {
  exportState(): Promise<AdamWState>;
  importState(s: AdamWState): void;
}

/** Refuses nonsense epoch-loop settings of a sequential baseline with the setting's name (runEpochs, and `higr table1`
 * before any data is loaded, through the registry's settings). */
export function checkEpochSettings(name: string, cfg: { epochs: number; batchSize: number; lr?: number; evalEvery?: number; patience?: number; traceEvery?: number }): void {
  const bad: string[] = [];
  for (const k of ['epochs', 'batchSize'] as const) if (!Number.isInteger(cfg[k]) || cfg[k] < 1) bad.push(`${k} must be an integer >= 1 (got ${cfg[k]})`);
  if (cfg.lr !== undefined && !(cfg.lr > 0)) bad.push(`lr must be > 0 (got ${cfg.lr})`);
  for (const k of ['evalEvery', 'patience', 'traceEvery'] as const) if (cfg[k] !== undefined && !(Number.isInteger(cfg[k]) && cfg[k]! >= 0)) bad.push(`${k} must be an integer >= 0 (got ${cfg[k]})`);
  if (bad.length) throw new Error(`${name}: ${bad.join('; ')}`);
}

/**
 * The epoch loop shared by the neural baselines: a fresh user order per epoch, batches of `batchSize` users,
 * `step(batchUsers, step)` builds the batch, computes the loss and applies the optimiser (returning the loss tensor),
 * then progress, cancellation, a finite-loss check and the per-epoch callback. With `ctl.validate` and
 * `cfg.evalEvery` > 0 it validates every `evalEvery` epochs, keeps the best weights (restored at the end) and stops
 * after `patience` validations without improvement. The run's log lands in `model.trainLog`.
 * With `ctl.checkpoints` (the stage layer's run checkpoints, the same hooks the SID models' trainer uses) it saves its
 * whole state (SeqCheckpoint) at most `every` steps apart (mid-epoch, and after an epoch's validation) and when
 * stopped, and continues from `checkpoints.resume`.
 */
export async function runEpochs(
  name: string,
  model: SeqRecModel,
  users: number[],
  cfg: { epochs: number; batchSize: number; lr?: number } & EarlyStopSettings,
  r: Rng,
  ctl: TrainControl,
  step: (batch: number[], step: number) => Tensor,
  opt?: ResumableOptimizer,
): Promise<void> {
  // every sequential baseline trains through here: refuse nonsense settings with the setting's name, before any work
  checkEpochSettings(name, cfg);
  const perEpoch = Math.max(1, Math.ceil(users.length / cfg.batchSize));
  const total = perEpoch * cfg.epochs;
  const every = ctl.validate ? (cfg.evalEvery ?? 0) : 0;
  let log: TrainLog = { epochsRun: 0, bestEpoch: cfg.epochs, bestValidation: null, validation: [], stoppedEarly: false };
  const traceEvery = ctl.trace ? (cfg.traceEvery ?? 0) : 0;
  if (traceEvery > 0) log.trace = [];
  let best: StateDict | null = null, sinceBest = 0;
  let k = 0, ep0 = 0, bi0 = 0, epLoss0 = 0, ordered0 = false;
  const ck = ctl.checkpoints;
  const saveEvery = ck && opt && model.stateDict ? ck.every : 0;
  const resume = ck?.resume as SeqCheckpoint | undefined;
  if (resume) {
    if (resume.kind !== 'seq-rec' || resume.model !== name) throw new Error(`${name}: the checkpoint holds a ${resume.model ?? resume.kind} run, not ${name}`);
    if (resume.order.length !== users.length) throw new Error(`${name}: the checkpoint was taken with ${resume.order.length} training users, the inputs have ${users.length}`);
    if (!opt || !model.loadStateDict) throw new Error(`${name}: this training loop cannot resume (no optimizer state)`);
    model.loadStateDict(resume.weights);
    opt.importState(resume.optimizer);
    r.setState(resume.rng);
    resume.order.forEach((u, i) => (users[i] = u));
    ({ step: k, epoch: ep0, batch: bi0, epochLoss: epLoss0, ordered: ordered0, best, sinceBest } = resume);
    log = structuredClone(resume.log);
  }
  let lastSave = k;
  const snapshot = async (ep: number, bi: number, epLoss: number, ordered: boolean): Promise<SeqCheckpoint> => ({
    kind: 'seq-rec',
    model: name,
    step: k,
    epoch: ep,
    batch: bi,
    order: Int32Array.from(users),
    ordered,
    rng: r.state(),
    epochLoss: epLoss,
    weights: await model.stateDict!(),
    optimizer: await opt!.exportState(),
    log: structuredClone(log),
    best,
    sinceBest,
  });
  const save = async (ep: number, bi: number, epLoss: number, ordered = true) => {
    lastSave = k;
    await ck!.save(await snapshot(ep, bi, epLoss, ordered));
  };
  for (let ep = ep0; ep < cfg.epochs; ep++) {
    const startBi = ep === ep0 ? bi0 : 0;
    if (!(ep === ep0 && ordered0)) epochOrder(users, r);
    let epLoss = ep === ep0 ? epLoss0 : 0;
    for (let bi = startBi; bi < perEpoch; bi++) {
      if (ctl.signal?.aborted && saveEvery > 0) await save(ep, bi, epLoss); // stopped: it resumes from this very batch
      checkAborted(ctl.signal, name);
      const lv = await readLoss(step(users.slice(bi * cfg.batchSize, (bi + 1) * cfg.batchSize), k), name, ep + 1, k + 1);
      epLoss += lv;
      k++;
      ctl.onProgress?.({ step: k, total, scalars: { loss: lv, epoch: ep + 1 } });
      if (saveEvery > 0 && bi < perEpoch - 1 && k - lastSave >= saveEvery) await save(ep, bi + 1, epLoss);
    }
    log.epochsRun = ep + 1;
    await ctl.onEpoch?.(ep + 1, model, epLoss / perEpoch);
    if (traceEvery > 0 && ((ep + 1) % traceEvery === 0 || ep + 1 === cfg.epochs)) {
      const t = { epoch: ep + 1, ...(await ctl.trace!(model)) };
      log.trace!.push(t);
      ctl.onProgress?.({ step: k, total, scalars: { ...t, trace: 1 } });
    }
    if (every > 0 && ((ep + 1) % every === 0 || ep + 1 === cfg.epochs)) {
      const v = await ctl.validate!(model);
      log.validation.push({ epoch: ep + 1, score: v });
      ctl.onProgress?.({ step: k, total, scalars: { validation: v, epoch: ep + 1 } });
      if (log.bestValidation === null || v > log.bestValidation) {
        log.bestValidation = v;
        log.bestEpoch = ep + 1;
        best = model.stateDict ? await model.stateDict() : null;
        sinceBest = 0;
      } else if (cfg.patience && ++sinceBest >= cfg.patience) {
        log.stoppedEarly = true;
        break;
      }
    }
    // the next epoch's start (its user order not drawn yet)
    if (saveEvery > 0 && ep + 1 < cfg.epochs && k - lastSave >= saveEvery) await save(ep + 1, 0, 0, false);
  }
  if (best && log.bestEpoch !== log.epochsRun) model.loadStateDict?.(best);
  model.trainLog = log;
}

/** Dropout of one forward pass: call k of training step `step` gets its own seed; the identity outside training. */
export class Dropper {
  private k = 0;
  constructor(readonly p: number, readonly seed: number, readonly step: number) {}
  apply = (x: Tensor): Tensor => (this.p > 0 ? dropout(x, this.p, dropoutSeed(this.seed, this.step, this.k++)) : x);
  /** Attention-probability dropout settings for one attention call (undefined outside training). */
  attn(): AttentionDropout | undefined {
    return this.p > 0 ? { p: this.p, seed: dropoutSeed(this.seed, this.step, this.k++) } : undefined;
  }
}

/** The shared settings of the causal next-item encoders (SASRec, HSTU). */
export interface CausalEncoderConfig {
  maxLen: number;
  dim: number;
  dropout: number;
  seed: number;
}

/** What a block of a causal encoder gets besides its input: masks of the left-padded batch and the dropout. */
export interface EncoderContext {
  B: number;
  L: number;
  /** (B, L) ids, 0 = padding */
  ids: Int32Array;
  /** (B, L, 1) f32: 1 on real items */
  timeline: Tensor;
  drop: Dropper;
}

/**
 * The causal next-item encoders of Table 1 (SASRec, HSTU) share this frame:
 *   e = E[item] · sqrt(d) + P[pos]   (item 0 = padding; positions 1..L on real items, 0 on padding; E/P row 0 zero)
 *   h = dropout(e) ⊙ timeline, then the model's blocks, f = LN(h); score of item j for a history = f_last · E[j].
 */
export abstract class CausalSeqEncoder extends Module implements SeqRecModel {
  abstract readonly name: string;
  readonly itemEmb: Tensor;
  readonly posEmb: Tensor;
  /** Set by runEpochs. */
  trainLog?: TrainLog;
  protected lastLn!: LayerNorm;
  constructor(readonly nItems: number, readonly enc: CausalEncoderConfig, r: Rng, std: { item: number; pos: number }) {
    super();
    this.itemEmb = this.paddedTable('item_emb', nItems + 1, std.item, r);
    this.posEmb = this.paddedTable('pos_emb', enc.maxLen + 1, std.pos, r);
  }
  /** The final layer norm, registered after the blocks (parameter order = the original's). */
  protected finalNorm(eps: number, r: Rng): void {
    this.lastLn = this.addModule('last_ln', new LayerNorm(this.enc.dim, r, eps));
  }
  /** A normal(std) (rows, d) table whose row 0 (padding_idx) is zero. */
  private paddedTable(name: string, rows: number, std: number, r: Rng): Tensor {
    const d = this.enc.dim;
    const t = this.addParam(name, [rows, d], { kind: 'zeros' }, makeRng(0));
    const data = randn(rows * d, r, std);
    data.fill(0, 0, d);
    t.backend.write(t.storage, data);
    return t;
  }
  /** The model's blocks over h (B, L, d). */
  protected abstract blocks(h: Tensor, ctx: EncoderContext): Tensor;
  /** Features (B, L, d) of left-padded item ids (B, L) (item id + 1; 0 = padding). */
  features(ids: Int32Array, B: number, train: boolean, step = 0): Tensor {
    const L = this.enc.maxLen, d = this.enc.dim;
    const pos = new Int32Array(B * L), tl = new Float32Array(B * L);
    for (let i = 0; i < B * L; i++) if (ids[i] !== 0) { pos[i] = (i % L) + 1; tl[i] = 1; }
    const drop = new Dropper(train ? this.enc.dropout : 0, this.enc.seed, step);
    const timeline = tensor(tl, [B, L, 1]);
    const e = add(scale(embedding(this.itemEmb, tensor(ids, [B, L], 'i32')), Math.sqrt(d)), embedding(this.posEmb, tensor(pos, [B, L], 'i32')));
    return this.lastLn.forward(this.blocks(mul(drop.apply(e), timeline), { B, L, ids, timeline, drop }));
  }
  async score(histories: Int32Array[]): Promise<Float32Array> {
    return readScores(() => lastPositionScores(this.features(leftPadIds(histories, this.enc.maxLen), histories.length, false), this.itemEmb, this.nItems));
  }
}

/**
 * A next-item training batch: for each user the last L inputs s[0..n-2] with targets s[1..n-1], right-aligned in
 * (B, L) ids (item + 1, 0 = padding). `rows` lists the flat positions that hold a real input.
 */
export function nextItemBatch(inputs: SeqTrainInputs, users: number[], L: number): { inp: Int32Array; tgt: Int32Array; rows: number[] } {
  const B = users.length;
  const inp = new Int32Array(B * L), tgt = new Int32Array(B * L);
  const rows: number[] = [];
  users.forEach((u, b) => {
    const s = seqOf(inputs, u);
    const n = Math.min(L, s.length - 1);
    for (let j = 0; j < n; j++) {
      const t = s.length - 1 - n + j, o = b * L + L - n + j;
      inp[o] = s[t] + 1;
      tgt[o] = s[t + 1] + 1;
      rows.push(o);
    }
  });
  return { inp, tgt, rows };
}

/** Runs a scoring forward pass without gradients and returns its (B, nItems) scores as a typed array. */
export async function readScores(fn: () => Tensor): Promise<Float32Array> {
  const out = noGrad(() => tidy(fn));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
