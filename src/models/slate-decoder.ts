// Hierarchical Slate Decoder (paper §3.4, Eq. 6-10): context encoder -> coarse-grained slate planner -> fine-grained
// item generator, all cross-attending to the context C.
//
//   planner   h0 = [Emb(BOS), i_1 .. i_{M-1}] + slot position, i_m = pool_d s_m^d (sum in the paper; mean/max = Table 3)
//             l_slate DecoderBlocks (Eq. 6: cross-attn(C) -> causal self-attn -> FFN, pre-RMSNorm), RMSNorm, Projector
//             (a linear map) -> Î = (î_1 .. î_M)
//   generator g0 = [î_m, s_m^1 .. s_m^{L-1}] + level position (Eq. 7), l_item DecoderBlocks (Eq. 8), RMSNorm, one output
//             head per level (Eq. 9): token t predicts s_m^{t+1}. Shared by all M slots (or one per slot: Table 3 ablation);
//             without the preference embedding (ablation) token 0 is a learned start token instead of î_m.
//   loss      Eq. 10: − Σ_m Σ_d log P(s_m^d | …), summed over the M·L tokens of a slate (L = D levels + the collision
//             level when the SID table has one), averaged over the slates of the batch. All M slots in parallel.
//
// Decoding (src/models/gsbi.ts) uses `planStart` / `planStep` (per-block KV caches, cross-attention K/V projected once)
// and `generatorHidden` + `levelLogits`.
import { add, broadcastTo, concat, crossEntropy, noGrad, reshape, scale, slice, tensor, type Rng, type Tensor } from '../engine';
import { ContextEncoder, SidEmbedding, type HistoryBatch, type SidPooling } from './context-encoder';
import { createKVCache, DecoderBlock, disposeKVCache, Embedding, Linear, Module, RMSNorm, type KVCache } from './nn';
import { Dropper } from './seq-rec';

export interface HsdConfig {
  dim: number;
  heads: number;
  ffn: number;
  ffnKind: 'swiglu' | 'gelu';
  encoderLayers: number;
  /** l_slate */
  slateLayers: number;
  /** l_item */
  itemLayers: number;
  /** M: slate size used in training (and the default decoded length) */
  slateSize: number;
  /** Largest slate length L decodable (slot position table size; 1..10). */
  maxSlate: number;
  /** History items kept (most recent). */
  maxHistory: number;
  /** Add a learned item-id embedding to the encoder's SID-sum item embeddings. */
  itemIdEmbedding: boolean;
  /** How SID embeddings pool into an item's preference embedding i_m (paper: sum). */
  pooling: SidPooling;
  /** The item generator sees î_m (paper); false = the "w/o preference embedding" ablation. */
  preference: boolean;
  /** One generator shared by all slots (paper); false = one generator per slot (ablation). */
  sharedGenerator: boolean;
  /**
   * Dropout probability on the input embeddings of the context encoder, the planner and the generator, in training
   * only (the teacher-forced loss; decoding never drops). 0 = none (the paper states none).
   */
  dropout: number;
}

/** Paper settings (Appendix A): d = 512, FFN 2048, l_slate = 14, l_item = 2, M = 5. */
export const HSD_PAPER: HsdConfig = {
  dim: 512,
  heads: 8,
  ffn: 2048,
  ffnKind: 'swiglu',
  encoderLayers: 4,
  slateLayers: 14,
  itemLayers: 2,
  slateSize: 5,
  maxSlate: 10,
  maxHistory: 50,
  itemIdEmbedding: false,
  pooling: 'sum',
  preference: true,
  sharedGenerator: true,
  dropout: 0,
};

/** Browser-sized defaults (trainable on a 2-core CPU): d = 128, l_slate = 4, l_item = 2. */
export const HSD_BROWSER: HsdConfig = {
  ...HSD_PAPER,
  dim: 128,
  heads: 4,
  ffn: 256,
  encoderLayers: 2,
  slateLayers: 4,
  itemLayers: 2,
  itemIdEmbedding: true,
};

export function hsdConfig(p: Partial<HsdConfig> = {}): HsdConfig {
  const c = { ...HSD_BROWSER, ...p };
  const bad: string[] = [];
  for (const k of ['dim', 'heads', 'ffn', 'slateSize', 'maxSlate', 'maxHistory', 'itemLayers'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) bad.push(`${k} must be an integer >= 1 (got ${c[k]})`);
  }
  for (const k of ['encoderLayers', 'slateLayers'] as const) if (!Number.isInteger(c[k]) || c[k] < 0) bad.push(`${k} must be an integer >= 0`);
  // upper bounds: a typo (dim 1e8) must be a message naming the setting, not an allocation failure deep in the engine
  for (const [k, max] of [['dim', 8192], ['ffn', 65536], ['heads', 256], ['maxHistory', 4096]] as const) if (c[k] > max) bad.push(`${k} must be <= ${max} (got ${c[k]})`);
  if (c.dim % c.heads !== 0) bad.push(`heads ${c.heads} must divide dim ${c.dim}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad.push(`dropout must be in [0, 1) (got ${c.dropout})`);
  if (c.maxSlate > 10 || c.maxSlate < c.slateSize) bad.push(`maxSlate must be in [slateSize, 10] (got ${c.maxSlate})`);
  if (!['sum', 'mean', 'max'].includes(c.pooling)) bad.push(`pooling must be sum, mean or max (got ${c.pooling})`);
  if (bad.length) throw new Error(`slate decoder config: ${bad.join('; ')}`);
  return c;
}

class ItemGenerator extends Module {
  readonly levelPos: Embedding;
  readonly start: Tensor | null;
  readonly blocks: DecoderBlock[];
  readonly norm: RMSNorm;
  readonly heads: Linear[];
  constructor(cfg: HsdConfig, widths: number[], r: Rng) {
    super();
    this.levelPos = this.addModule('level_pos', new Embedding(widths.length, cfg.dim, r));
    this.start = cfg.preference ? null : this.addParam('start', [1, 1, cfg.dim], { kind: 'normal', std: 0.02 }, r);
    this.blocks = Array.from({ length: cfg.itemLayers }, (_, i) => this.addModule(`block${i}`, new DecoderBlock(cfg.dim, cfg.heads, cfg.ffn, r, cfg.ffnKind)));
    this.norm = this.addModule('norm', new RMSNorm(cfg.dim, r));
    this.heads = widths.map((w, l) => this.addModule(`head${l}`, new Linear(cfg.dim, w, r)));
  }
}

/** Per-decode planner state: one self-attention KV cache per planner block, the context's cross K/V per block. */
export interface PlannerState {
  caches: KVCache[];
  ctxKV: { k: Tensor; v: Tensor }[];
  mask: Tensor;
  step: number;
}

export class HierarchicalSlateDecoder extends Module {
  readonly cfg: HsdConfig;
  readonly sid: SidEmbedding;
  readonly encoder: ContextEncoder;
  readonly bos: Tensor;
  readonly slotPos: Embedding;
  readonly planner: DecoderBlock[];
  readonly planNorm: RMSNorm;
  readonly projector: Linear;
  readonly generators: ItemGenerator[];
  constructor(
    cfgIn: Partial<HsdConfig>,
    /** SID level widths (codebook sizes + collision level), numItems for the item-id embedding */
    readonly widths: number[],
    readonly numItems: number,
    r: Rng,
  ) {
    super();
    const cfg = (this.cfg = hsdConfig(cfgIn));
    this.sid = this.addModule('sid_emb', new SidEmbedding(widths, cfg.dim, r));
    this.encoder = this.addModule(
      'encoder',
      new ContextEncoder(
        { dim: cfg.dim, heads: cfg.heads, ffn: cfg.ffn, layers: cfg.encoderLayers, maxHistory: cfg.maxHistory, itemIdVocab: cfg.itemIdEmbedding ? numItems : 0, ffnKind: cfg.ffnKind },
        r,
      ),
    );
    this.bos = this.addParam('bos', [1, 1, cfg.dim], { kind: 'normal', std: 0.02 }, r);
    this.slotPos = this.addModule('slot_pos', new Embedding(cfg.maxSlate, cfg.dim, r));
    this.planner = Array.from({ length: cfg.slateLayers }, (_, i) => this.addModule(`planner${i}`, new DecoderBlock(cfg.dim, cfg.heads, cfg.ffn, r, cfg.ffnKind)));
    this.planNorm = this.addModule('planner_norm', new RMSNorm(cfg.dim, r));
    this.projector = this.addModule('projector', new Linear(cfg.dim, cfg.dim, r));
    const nGen = cfg.sharedGenerator ? 1 : cfg.slateSize;
    this.generators = Array.from({ length: nGen }, (_, i) => this.addModule(cfg.sharedGenerator ? 'generator' : `generator${i}`, new ItemGenerator(cfg, widths, r)));
  }

  get levels(): number {
    return this.widths.length;
  }

  /** Generator used for slot m (the shared one, or slot m's own; slots beyond M reuse the last). */
  generatorFor(m: number): ItemGenerator {
    return this.generators[Math.min(m, this.generators.length - 1)];
  }

  encode(h: HistoryBatch, drop?: (x: Tensor) => Tensor): { C: Tensor; mask: Tensor } {
    return this.encoder.forward(this.sid, h, drop);
  }

  /** Preference embeddings of items from global SID token ids (B, n, L) -> (B, n, d). */
  preferenceOf(ids: Tensor): Tensor {
    return this.sid.items(ids, this.cfg.pooling);
  }

  private slot(B: number, from: number, n: number): Tensor {
    const idx = new Int32Array(B * n);
    for (let b = 0; b < B; b++) for (let j = 0; j < n; j++) idx[b * n + j] = from + j;
    return this.slotPos.forward(tensor(idx, [B, n], 'i32'));
  }

  private bosRows(B: number): Tensor {
    return broadcastTo(this.bos, [B, 1, this.cfg.dim]);
  }

  /** Planner over all slots at once (training, uncached decoding): inputs (B, n, d) already with BOS -> Î (B, n, d). */
  planAll(inputs: Tensor, C: Tensor, mask: Tensor, drop?: (x: Tensor) => Tensor): Tensor {
    let h = add(inputs, this.slot(inputs.shape[0], 0, inputs.shape[1]));
    if (drop) h = drop(h);
    for (const b of this.planner) h = b.forward(h, C, { ctxMask: mask, causal: true });
    return this.projector.forward(this.planNorm.forward(h));
  }

  /** Planner inputs [BOS, i_1 .. i_{n-1}] from the first n-1 items' global SID token ids (B, n-1, L). */
  plannerInputs(B: number, prevIds: Tensor | null): Tensor {
    const bos = this.bosRows(B);
    return prevIds && prevIds.shape[1] > 0 ? concat([bos, this.preferenceOf(prevIds)], 1) : bos;
  }

  /** Start an incremental planner decode for maxLen slots (call under noGrad; dispose with `planEnd`). */
  planStart(C: Tensor, mask: Tensor, maxLen: number): PlannerState {
    const B = C.shape[0];
    return {
      caches: this.planner.map(() => createKVCache(B, maxLen, this.cfg.dim)),
      ctxKV: this.planner.map((b) => {
        const kv = b.projectContext(C);
        return { k: kv.k.keep(), v: kv.v.keep() };
      }),
      mask: mask.keep(),
      step: 0,
    };
  }

  /** One planner step: x (B, 1, d) = BOS (step 0) or the previous item's preference embedding -> î (B, 1, d). */
  planStep(st: PlannerState, x: Tensor): Tensor {
    let h = add(x, this.slot(x.shape[0], st.step, 1));
    this.planner.forEach((b, i) => (h = b.forward(h, null, { ctxKV: st.ctxKV[i], ctxMask: st.mask, cache: st.caches[i] })));
    st.step++;
    return this.projector.forward(this.planNorm.forward(h));
  }

  planBos(B: number): Tensor {
    return this.bosRows(B);
  }

  planEnd(st: PlannerState): void {
    st.caches.forEach(disposeKVCache);
    for (const kv of st.ctxKV) {
      kv.k.dispose();
      kv.v.dispose();
    }
    st.mask.dispose();
  }

  /**
   * Generator hidden states for N rows: iHat (N, 1, d) (ignored without the preference embedding), prefix global SID
   * token ids (N, l) or null (l = 0), the context as (ctx (N, Tc, d), ctxMask (N, Tc)) or projected per block.
   * Returns (N, l + 1, d) after the final norm.
   */
  generatorHidden(
    m: number,
    iHat: Tensor,
    prefix: Tensor | null,
    ctx: { C: Tensor; mask: Tensor } | { kv: { k: Tensor; v: Tensor }[]; mask: Tensor },
    drop?: (x: Tensor) => Tensor,
  ): Tensor {
    const g = this.generatorFor(m);
    const N = iHat.shape[0];
    const first = g.start ? broadcastTo(g.start, [N, 1, this.cfg.dim]) : iHat;
    let x = prefix && prefix.shape[1] > 0 ? concat([first, this.sid.tokens(prefix)], 1) : first;
    const l1 = x.shape[1];
    const lv = new Int32Array(N * l1);
    for (let n = 0; n < N; n++) for (let j = 0; j < l1; j++) lv[n * l1 + j] = j;
    x = add(x, g.levelPos.forward(tensor(lv, [N, l1], 'i32')));
    if (drop) x = drop(x);
    g.blocks.forEach((b, i) => {
      x = 'kv' in ctx ? b.forward(x, null, { ctxKV: ctx.kv[i], ctxMask: ctx.mask, causal: true }) : b.forward(x, ctx.C, { ctxMask: ctx.mask, causal: true });
    });
    return g.norm.forward(x);
  }

  /** Logits (N, K_level) of level `level` from hidden (N, l+1, d) at token `level`. */
  levelLogits(m: number, hidden: Tensor, level: number): Tensor {
    const N = hidden.shape[0];
    const h = reshape(slice(hidden, 1, level, level + 1), [N, this.cfg.dim]);
    return this.generatorFor(m).heads[level].forward(h);
  }

  /**
   * Teacher-forced loss (Eq. 10) for a batch: history + target codes (B, M, L) raw per-level codes. With `extra.step`
   * (the trainer's step: training) and `cfg.dropout` > 0, the input embeddings are dropped (seeded by the step).
   * Returns the loss (sum over the M·L tokens, mean over slates), the per-token mean cross-entropy and the logits
   * (shared generator: one (B·M, K_l) tensor per level; per-slot generators: slot by slot, level by level).
   */
  loss(h: HistoryBatch, targetCodes: Int32Array, extra?: { step: number }): { loss: Tensor; perToken: Tensor; logits: Tensor[] } {
    const { B } = h;
    const dropper = extra && this.cfg.dropout > 0 ? new Dropper(this.cfg.dropout, 0x4853, extra.step) : null;
    const drop = dropper ? dropper.apply : undefined;
    const M = this.cfg.slateSize;
    const L = this.levels;
    if (targetCodes.length !== B * M * L) throw new Error(`slate decoder loss: target codes have ${targetCodes.length} entries, expected ${B}×${M}×${L}`);
    const { C, mask } = this.encode(h, drop);
    const ids = this.sid.tokenIds(targetCodes); // (B, M, L)
    const prevIds = M > 1 ? tensor(ids.filter((_, i) => Math.floor(i / L) % M < M - 1), [B, M - 1, L], 'i32') : null;
    const iHat = this.planAll(this.plannerInputs(B, prevIds), C, mask, drop); // (B, M, d)
    const d = this.cfg.dim;
    const Tc = C.shape[1];
    let total: Tensor | null = null;
    const logits: Tensor[] = [];
    const runGen = (m0: number, mCount: number) => {
      // rows (b, m) for m in [m0, m0 + mCount)
      const N = B * mCount;
      const ihat = mCount === M ? reshape(iHat, [N, 1, d]) : reshape(slice(iHat, 1, m0, m0 + mCount), [N, 1, d]);
      const pre = new Int32Array(N * (L - 1));
      const tgt: Int32Array[] = Array.from({ length: L }, () => new Int32Array(N));
      for (let b = 0; b < B; b++)
        for (let j = 0; j < mCount; j++) {
          const row = b * mCount + j;
          const base = (b * M + m0 + j) * L;
          for (let l = 0; l < L; l++) {
            if (l < L - 1) pre[row * (L - 1) + l] = ids[base + l];
            tgt[l][row] = targetCodes[base + l];
          }
        }
      // project the context once per generator block, then repeat the keys/values for the slots (the repeat commutes
      // with RMSNorm_k/v and the projections: M times fewer context projections than repeating C)
      const kv = this.generatorFor(m0).blocks.map((b) => {
        const p = b.projectContext(C);
        return { k: repeatRows(p.k, mCount), v: repeatRows(p.v, mCount) };
      });
      const maskRep = repeatMask(h.mask, B, Tc, mCount);
      const hid = this.generatorHidden(m0, ihat, L > 1 ? tensor(pre, [N, L - 1], 'i32') : null, { kv, mask: tensor(maskRep, [N, Tc], 'i32') }, drop);
      for (let l = 0; l < L; l++) {
        const lg = this.levelLogits(m0, hid, l);
        logits.push(lg);
        const ce = crossEntropy(lg, tensor(tgt[l], [N], 'i32'), { reduction: 'sum' });
        total = total ? add(total, ce) : ce;
      }
    };
    if (this.generators.length === 1) runGen(0, M);
    else for (let m = 0; m < M; m++) runGen(m, 1);
    const loss = scale(total!, 1 / B);
    const perToken = noGrad(() => scale(total!, 1 / (B * M * L)));
    return { loss, perToken, logits };
  }
}

/** Repeat rows of x (B, ...) r times each -> (B·r, ...), row b·r + j = row b (differentiable). */
export function repeatRows(x: Tensor, r: number): Tensor {
  if (r === 1) return x;
  const [B, ...rest] = x.shape;
  return reshape(broadcastTo(reshape(x, [B, 1, ...rest]), [B, r, ...rest]), [B * r, ...rest]);
}

/** Host-side repeat of a (B, Tc) mask to (B·r, Tc), row b·r + j = row b. */
export function repeatMask(mask: Int32Array, B: number, Tc: number, r: number): Int32Array {
  const out = new Int32Array(B * r * Tc);
  for (let b = 0; b < B; b++) for (let j = 0; j < r; j++) out.set(mask.subarray(b * Tc, (b + 1) * Tc), (b * r + j) * Tc);
  return out;
}

/** Parameter count of a config without building it on a device (docs, UI). */
export function countParameters(cfg: HsdConfig, widths: number[], numItems: number): number {
  const d = cfg.dim;
  const ffn = cfg.ffnKind === 'swiglu' ? 3 * d * cfg.ffn : 2 * d * cfg.ffn + cfg.ffn + d;
  const block = 4 * d * d * 2 + ffn + 5 * d; // cross + self attention (q,k,v,o), FFN, 5 RMSNorms
  const selfBlock = 4 * d * d + ffn + 2 * d; // encoder: self-attention + FFN, 2 RMSNorms
  const V = widths.reduce((a, w) => a + w, 0);
  const enc = cfg.maxHistory * d + (cfg.itemIdEmbedding ? numItems * d : 0) + cfg.encoderLayers * selfBlock + d;
  const plan = d + cfg.maxSlate * d + cfg.slateLayers * block + d + d * d + d;
  const gen = widths.length * d + (cfg.preference ? 0 : d) + cfg.itemLayers * block + d + widths.reduce((a, w) => a + d * w + w, 0);
  return V * d + enc + plan + gen * (cfg.sharedGenerator ? 1 : cfg.slateSize);
}
