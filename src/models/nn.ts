// Neural-network building blocks on the engine's op frontends (never a backend directly).
// Shapes in comments: B batch, T tokens, d model width, H heads, V vocabulary.
import {
  add,
  attention,
  clipGradNorm,
  adamwStep,
  embedding,
  gelu,
  matmul,
  mul,
  param,
  reshape,
  rmsNorm,
  layerNorm,
  silu,
  tensor,
  zeros,
  type Rng,
  randn,
  rng as makeRng,
  Tensor,
  noGrad,
  Arena,
  supportsArena,
  segmentTable,
  gradClipScaleFlat,
  type Segment,
  slice,
  writeSlice,
} from '../engine';

// ------------------------------------------------------------------ Module

export type Init = { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'uniform'; bound: number };

/** A serialisable snapshot of named parameters (checkpoints, export). */
export type StateDict = Record<string, { shape: number[]; data: Float32Array }>;

export abstract class Module {
  private _params = new Map<string, Tensor>();
  private _children = new Map<string, Module>();

  protected addParam(name: string, shape: number[], init: Init, r: Rng): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    switch (init.kind) {
      case 'normal':
        data = randn(n, r, init.std);
        break;
      case 'zeros':
        data = new Float32Array(n);
        break;
      case 'ones':
        data = new Float32Array(n).fill(1);
        break;
      case 'uniform':
        data = Float32Array.from({ length: n }, () => (r() * 2 - 1) * init.bound);
        break;
    }
    const t = param(tensor(data, shape), name);
    this._params.set(name, t);
    return t;
  }

  protected addModule<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this._params) out.push([prefix + n, t]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  numParameters(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  async stateDict(): Promise<StateDict> {
    const sd: StateDict = {};
    for (const [n, t] of this.namedParameters()) sd[n] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
    return sd;
  }

  /** Load weights by name; every parameter must be present with the same shape. */
  loadStateDict(sd: StateDict): void {
    for (const [n, t] of this.namedParameters()) {
      const e = sd[n];
      if (!e) throw new Error(`loadStateDict: missing parameter "${n}"`);
      if (e.shape.length !== t.shape.length || e.shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`loadStateDict: "${n}" has shape [${e.shape}] but the model expects [${t.shape}]`);
      }
      t.backend.write(t.storage, e.data);
    }
  }

  dispose(): void {
    for (const t of this.parameters()) t.dispose();
  }
}

// ------------------------------------------------------------------ layers

/** y = x W + b, x (..., in) → (..., out). W is (in, out). */
export class Linear extends Module {
  readonly W: Tensor;
  readonly b: Tensor | null;
  constructor(
    readonly inDim: number,
    readonly outDim: number,
    r: Rng,
    opts: { bias?: boolean; std?: number } = {},
  ) {
    super();
    this.W = this.addParam('weight', [inDim, outDim], { kind: 'normal', std: opts.std ?? 1 / Math.sqrt(inDim) }, r);
    this.b = opts.bias === false ? null : this.addParam('bias', [outDim], { kind: 'zeros' }, r);
  }
  forward(x: Tensor): Tensor {
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? x : reshape(x, [-1, this.inDim]); // (N, in)
    let y = matmul(x2, this.W); // (N, out)
    if (this.b) y = add(y, this.b);
    return x.rank === 2 ? y : reshape(y, [...lead, this.outDim]);
  }
}

/** Lookup table (V, d); idx i32 (...) → (..., d). */
export class Embedding extends Module {
  readonly table: Tensor;
  constructor(
    readonly vocab: number,
    readonly dim: number,
    r: Rng,
    std = 0.02,
  ) {
    super();
    this.table = this.addParam('weight', [vocab, dim], { kind: 'normal', std }, r);
  }
  forward(idx: Tensor): Tensor {
    return embedding(this.table, idx);
  }
}

export class RMSNorm extends Module {
  readonly weight: Tensor;
  constructor(
    readonly dim: number,
    r: Rng,
    readonly eps = 1e-6,
  ) {
    super();
    this.weight = this.addParam('weight', [dim], { kind: 'ones' }, r);
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

/** LayerNorm over the last axis with learnt weight (ones) and bias (zeros), PyTorch nn.LayerNorm semantics. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly dim: number,
    r: Rng,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.addParam('weight', [dim], { kind: 'ones' }, r);
    this.bias = this.addParam('bias', [dim], { kind: 'zeros' }, r);
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** Position-wise feed-forward: SwiGLU (W2(silu(xW1) ⊙ xW3)) or GELU (W2 gelu(W1 x)). */
export class FFN extends Module {
  readonly w1: Linear;
  readonly w2: Linear;
  readonly w3: Linear | null;
  constructor(dim: number, hidden: number, r: Rng, readonly kind: 'swiglu' | 'gelu' = 'swiglu') {
    super();
    const bias = kind === 'gelu';
    this.w1 = this.addModule('w1', new Linear(dim, hidden, r, { bias }));
    this.w3 = kind === 'swiglu' ? this.addModule('w3', new Linear(dim, hidden, r, { bias: false })) : null;
    this.w2 = this.addModule('w2', new Linear(hidden, dim, r, { bias, std: 1 / Math.sqrt(hidden) }));
  }
  forward(x: Tensor): Tensor {
    const h = this.w3 ? mul(silu(this.w1.forward(x)), this.w3.forward(x)) : gelu(this.w1.forward(x));
    return this.w2.forward(h);
  }
}

export interface AttnOpts {
  causal?: boolean;
  /** i32 (B, Tk), 1 = valid key. */
  keyMask?: Tensor;
  /**
   * f32 additive bias on the scaled scores, broadcastable over (B, heads, Tq, Tk) (e.g. a learned relative-position
   * bias (heads, Tq, Tk)); -Infinity = masked. With a cache, Tk is the filled length after this call's keys.
   */
  bias?: Tensor;
  /**
   * Self-attention with a preallocated KV cache (decoding, under noGrad): this call's keys/values are written into the
   * cache at `cache.len` (in place, `writeSlice`), the queries attend causally to cache[0, len + T), and `len` advances.
   */
  cache?: KVCache;
  /** Keys/values already projected (cross-attention to a fixed context, computed once per decode: `projectKV`). */
  projected?: { k: Tensor; v: Tensor };
}

/** Preallocated self-attention keys/values (B, Tmax, d) and the number of filled positions. */
export interface KVCache {
  k: Tensor;
  v: Tensor;
  len: number;
}

/** A zeroed KV cache for `maxLen` positions; kept (not freed by tidy) until `disposeKVCache`. */
export function createKVCache(batch: number, maxLen: number, dim: number): KVCache {
  return { k: zeros([batch, maxLen, dim]).keep(), v: zeros([batch, maxLen, dim]).keep(), len: 0 };
}
export function disposeKVCache(c: KVCache): void {
  c.k.dispose();
  c.v.dispose();
}

/** Multi-head attention with packed heads: q from x (B,Tq,d), k/v from kSrc/vSrc (B,Tk,d). */
export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  constructor(
    readonly dim: number,
    readonly heads: number,
    r: Rng,
  ) {
    super();
    if (dim % heads !== 0) throw new Error(`MultiHeadAttention: dim ${dim} is not divisible by heads ${heads}`);
    this.q = this.addModule('q', new Linear(dim, dim, r, { bias: false }));
    this.k = this.addModule('k', new Linear(dim, dim, r, { bias: false }));
    this.v = this.addModule('v', new Linear(dim, dim, r, { bias: false }));
    this.o = this.addModule('o', new Linear(dim, dim, r, { bias: false, std: 1 / Math.sqrt(dim) / 2 }));
  }
  /** Project a (normalised) context to keys/values once, for `opts.projected`. */
  projectKV(kSrc: Tensor, vSrc: Tensor = kSrc): { k: Tensor; v: Tensor } {
    return { k: this.k.forward(kSrc), v: this.v.forward(vSrc) };
  }
  /**
   * Self-attention: `forward(x)` (kSrc = vSrc = x) or `forward(x, { cache, causal })`. Cross-attention: pass the
   * (normalised) context as kSrc/vSrc, or its projections as `opts.projected`.
   */
  forward(x: Tensor, kSrc: Tensor | AttnOpts = x, vSrc?: Tensor, opts: AttnOpts = {}): Tensor {
    if (!(kSrc instanceof Tensor)) {
      opts = kSrc;
      kSrc = x;
    }
    vSrc ??= kSrc;
    const q = this.q.forward(x);
    let k: Tensor, v: Tensor;
    let causal = opts.causal;
    if (opts.cache) {
      const c = opts.cache;
      const T = x.shape[1];
      if (c.k.shape[0] !== x.shape[0] || c.len + T > c.k.shape[1]) {
        throw new Error(`MultiHeadAttention: cache [${c.k.shape}] holds ${c.len} positions; cannot append ${T} for batch ${x.shape[0]}`);
      }
      writeSlice(c.k, this.k.forward(x), 1, c.len);
      writeSlice(c.v, this.v.forward(x), 1, c.len);
      c.len += T;
      // causal alignment is to the end of the keys: query i sees cache positions j <= len_before + i
      k = c.len === c.k.shape[1] ? c.k : slice(c.k, 1, 0, c.len);
      v = c.len === c.v.shape[1] ? c.v : slice(c.v, 1, 0, c.len);
      causal = opts.causal ?? true;
    } else if (opts.projected) {
      ({ k, v } = opts.projected);
    } else {
      k = this.k.forward(kSrc);
      v = this.v.forward(vSrc);
    }
    const a = attention(q, k, v, { heads: this.heads, causal, keyMask: opts.keyMask, bias: opts.bias });
    return this.o.forward(a);
  }
}

/**
 * The paper's decoder block (Eq. 6 for the slate planner, Eq. 8 for the item generator):
 *   h = h + CrossAttn(RMSNorm(h), RMSNorm_k(C), RMSNorm_v(C))
 *   h = h + SelfAttn(RMSNorm(h))            (causal)
 *   h = h + FFN(RMSNorm(h))
 */
export class DecoderBlock extends Module {
  /** null for a self-attention-only block (`{ cross: false }`: context encoders) */
  readonly normCross: RMSNorm | null;
  readonly normK: RMSNorm | null;
  readonly normV: RMSNorm | null;
  readonly cross: MultiHeadAttention | null;
  readonly normSelf: RMSNorm;
  readonly self: MultiHeadAttention;
  readonly normFfn: RMSNorm;
  readonly ffn: FFN;
  constructor(dim: number, heads: number, ffnDim: number, r: Rng, ffnKind: 'swiglu' | 'gelu' = 'swiglu', opts: { cross?: boolean } = {}) {
    super();
    const cross = opts.cross ?? true;
    this.normCross = cross ? this.addModule('norm_cross', new RMSNorm(dim, r)) : null;
    this.normK = cross ? this.addModule('norm_k', new RMSNorm(dim, r)) : null;
    this.normV = cross ? this.addModule('norm_v', new RMSNorm(dim, r)) : null;
    this.cross = cross ? this.addModule('cross_attn', new MultiHeadAttention(dim, heads, r)) : null;
    this.normSelf = this.addModule('norm_self', new RMSNorm(dim, r));
    this.self = this.addModule('self_attn', new MultiHeadAttention(dim, heads, r));
    this.normFfn = this.addModule('norm_ffn', new RMSNorm(dim, r));
    this.ffn = this.addModule('ffn', new FFN(dim, ffnDim, r, ffnKind));
  }
  /** Cross-attention keys/values of a fixed context, projected once (decoding). */
  projectContext(ctx: Tensor): { k: Tensor; v: Tensor } {
    if (!this.cross) throw new Error('DecoderBlock: this block has no cross-attention');
    return this.cross.projectKV(this.normK!.forward(ctx), this.normV!.forward(ctx));
  }
  /**
   * h (B, T, d), ctx (B, Tc, d) or null (no cross-attention: the "w/o CE" ablation). `selfMask` (B, T) i32 masks padded
   * positions of h as keys; `cache` decodes incrementally; `ctxKV` = `projectContext(ctx)` reused across steps.
   */
  forward(
    h: Tensor,
    ctx: Tensor | null,
    opts: { ctxMask?: Tensor; causal?: boolean; selfMask?: Tensor; cache?: KVCache; ctxKV?: { k: Tensor; v: Tensor } } = {},
  ): Tensor {
    if ((opts.ctxKV || ctx) && !this.cross) throw new Error('DecoderBlock: a context was given to a block without cross-attention');
    if (opts.ctxKV) h = add(h, this.cross!.forward(this.normCross!.forward(h), { projected: opts.ctxKV, keyMask: opts.ctxMask }));
    else if (ctx) h = add(h, this.cross!.forward(this.normCross!.forward(h), this.normK!.forward(ctx), this.normV!.forward(ctx), { keyMask: opts.ctxMask }));
    const n = this.normSelf.forward(h);
    h = add(h, this.self.forward(n, n, n, { causal: opts.causal ?? true, keyMask: opts.selfMask, cache: opts.cache }));
    h = add(h, this.ffn.forward(this.normFfn.forward(h)));
    return h;
  }
}

// ------------------------------------------------------------------ optimiser

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this value (0 = off). */
  clipNorm: number;
}
export const ADAMW_DEFAULTS: AdamWConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4, clipNorm: 1.0 };

/**
 * AdamW with decoupled weight decay (PyTorch semantics) and optional global-norm clipping, all on-device.
 *
 * Fused path (default when the backend has storage views — WebGPU and the CPU reference): the parameters are moved into
 * one flat arena (they keep their identity; only their storage becomes a slot of one buffer), the moments live in two
 * arenas of the same layout, and a step copies the gradients into a gradient arena (buffer copies, no dispatch) and
 * runs global-norm clip + AdamW over everything in 3 dispatches (segment sums of squares, finalize, scaled AdamW),
 * whatever the number of parameter tensors. The result is bitwise that of the per-tensor path (same partial sums,
 * same elementwise math). When some gradient is null (a parameter unused this step) that parameter is skipped exactly
 * as torch does: the norm covers the present slots and AdamW runs once per run of consecutive present slots
 * (2 + runs dispatches). `{ fused: false }` forces the per-tensor path.
 */
export class AdamW {
  readonly cfg: AdamWConfig;
  private m: Tensor[];
  private v: Tensor[];
  private arenas: { p: Arena; m: Arena; v: Arena; g: Arena; table: Tensor } | null = null;
  t = 0;
  constructor(
    readonly params: Tensor[],
    cfg: Partial<AdamWConfig> & { fused?: boolean } = {},
  ) {
    const { fused, ...rest } = cfg;
    this.cfg = { ...ADAMW_DEFAULTS, ...rest };
    const be = params[0]?.backend;
    const distinct = new Set(params.map((p) => p.storage)).size === params.length;
    if ((fused ?? true) && be && supportsArena(be) && distinct && params.every((p) => p.dtype === 'f32' && p.backend === be)) {
      const p = Arena.adopt(params);
      const shapes = params.map((t) => t.shape);
      const m = Arena.zeros(shapes, be);
      const v = Arena.zeros(shapes, be);
      const g = Arena.zeros(shapes, be);
      const rows = segmentTable(p.segments);
      const table = tensor(rows, [rows.length], 'i32', be).keep();
      this.arenas = { p, m, v, g, table };
      this.m = m.views;
      this.v = v.views;
    } else {
      this.m = params.map((p) => zeros(p.shape).keep());
      this.v = params.map((p) => zeros(p.shape).keep());
    }
  }
  /** Per pattern of present gradients: the clip segment table and flat views over each run of consecutive present slots. */
  private plans = new Map<string, { segments: Segment[]; table: Tensor; runs: { p: Tensor; g: Tensor; m: Tensor; v: Tensor }[] }>();
  private partialPlan(present: boolean[]) {
    const key = present.map((x) => (x ? 1 : 0)).join('');
    let plan = this.plans.get(key);
    if (plan) return plan;
    const A = this.arenas!;
    const segments = A.p.segments.filter((_, i) => present[i]);
    const rows = segmentTable(segments);
    const table = tensor(rows, [rows.length], 'i32', A.p.backend).keep();
    const runs: { p: Tensor; g: Tensor; m: Tensor; v: Tensor }[] = [];
    for (let i = 0; i < present.length; ) {
      if (!present[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < present.length && present[j + 1]) j++;
      const start = A.p.segments[i].offset;
      const len = A.p.segments[j].offset + A.p.segments[j].size - start;
      runs.push({ p: A.p.range(start, len), g: A.g.range(start, len), m: A.m.range(start, len), v: A.v.range(start, len) });
      i = j + 1;
    }
    plan = { segments, table, runs };
    this.plans.set(key, plan);
    return plan;
  }
  /** Whether steps run the fused arena path (3 dispatches for clip + AdamW over every parameter). */
  get fused(): boolean {
    return this.arenas !== null;
  }
  /** Apply one update. `grads[i]` may be null (parameter unused this step). Returns the pre-clip grad norm tensor (1) or null. */
  step(grads: (Tensor | null)[], lr = this.cfg.lr): Tensor | null {
    if (grads.length !== this.params.length) throw new Error(`AdamW.step: ${grads.length} grads for ${this.params.length} params`);
    this.t++;
    const hyper = { lr, beta1: this.cfg.beta1, beta2: this.cfg.beta2, eps: this.cfg.eps, weightDecay: this.cfg.weightDecay, step: this.t };
    return noGrad(() => {
      const A = this.arenas;
      if (A && grads.some((g) => !!g)) {
        if (grads.every((g) => !!g)) {
          A.g.gather(grads as Tensor[]);
          if (this.cfg.clipNorm > 0) {
            const { norm, scale } = gradClipScaleFlat(A.g.flat, A.p.segments, this.cfg.clipNorm, A.table);
            adamwStep(A.p.flat, A.g.flat, A.m.flat, A.v.flat, { ...hyper, gradScale: scale });
            scale.dispose();
            return norm;
          }
          adamwStep(A.p.flat, A.g.flat, A.m.flat, A.v.flat, hyper);
          return null;
        }
        // some parameters are unused this step: they are skipped (as torch skips params without .grad), the others
        // are updated per run of consecutive present slots — 2 + (number of runs) dispatches
        const plan = this.partialPlan(grads.map((g) => !!g));
        grads.forEach((g, i) => g && A.g.gatherOne(i, g));
        let scale: Tensor | undefined;
        let norm: Tensor | null = null;
        if (this.cfg.clipNorm > 0) {
          ({ norm, scale } = gradClipScaleFlat(A.g.flat, plan.segments, this.cfg.clipNorm, plan.table));
        }
        for (const run of plan.runs) adamwStep(run.p, run.g, run.m, run.v, { ...hyper, gradScale: scale });
        scale?.dispose();
        return norm;
      }
      const present = grads.filter((g): g is Tensor => !!g);
      const norm = this.cfg.clipNorm > 0 && present.length ? clipGradNorm(present, this.cfg.clipNorm) : null;
      grads.forEach((g, i) => {
        if (!g) return;
        adamwStep(this.params[i], g, this.m[i], this.v[i], hyper);
      });
      return norm;
    });
  }
  /** Moments and step count, read back to the host (checkpoints: resume exactly where training stopped). */
  async exportState(): Promise<AdamWState> {
    return { t: this.t, m: (await Promise.all(this.m.map((x) => x.data()))) as Float32Array[], v: (await Promise.all(this.v.map((x) => x.data()))) as Float32Array[] };
  }
  importState(s: AdamWState): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length) throw new Error(`AdamW.importState: state for ${s.m.length} params, optimizer has ${this.m.length}`);
    s.m.forEach((d, i) => {
      if (d.length !== this.m[i].size) throw new Error(`AdamW.importState: moment ${i} has ${d.length} values, parameter has ${this.m[i].size}`);
      this.m[i].backend.write(this.m[i].storage, d);
      this.v[i].backend.write(this.v[i].storage, s.v[i]);
    });
    this.t = s.t;
  }
  dispose(): void {
    if (this.arenas) {
      const { p, m, v, g, table } = this.arenas;
      // the parameters keep their slots alive (the model owns them); the arena's own references go
      for (const plan of this.plans.values()) {
        plan.table.dispose();
        for (const r of plan.runs) for (const t of [r.p, r.g, r.m, r.v]) t.dispose();
      }
      this.plans.clear();
      for (const a of [p, m, v, g]) a.dispose();
      table.dispose();
      this.arenas = null;
    } else for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

export interface AdamWState {
  t: number;
  m: Float32Array[];
  v: Float32Array[];
}

export { makeRng as rng };
