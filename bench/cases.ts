// The kernel benchmark's bookkeeping: the model's real shapes, FLOP counts, implementations, statistics and settings.
// Pure (no engine, no GPU): shared by the Node orchestrator (bench/kernels.ts), the browser page (bench/browser/main.ts)
// and the unit test (bench/kernels.test.ts).

export interface MatmulCase {
  kind: 'matmul';
  id: string;
  /** not a model shape: a tiny call that measures each implementation's fixed per-call cost (reported in ms) */
  probe?: boolean;
  /** where the shape comes from in the HiGR slate decoder */
  what: string;
  M: number;
  K: number;
  N: number;
  /** A is stored (K×M) and used transposed (the weight gradient Xᵀ·dY of the backward pass) */
  transA?: boolean;
  /** B is stored (N×K) and used transposed (the input gradient dY·Wᵀ of the backward pass) */
  transB?: boolean;
}

export interface AttentionCase {
  kind: 'attention';
  id: string;
  what: string;
  B: number;
  H: number;
  dh: number;
  Tq: number;
  Tk: number;
  causal: boolean;
}

export type BenchCase = MatmulCase | AttentionCase;

const mm = (id: string, what: string, M: number, K: number, N: number, t: { transA?: boolean; transB?: boolean } = {}): MatmulCase => ({
  kind: 'matmul',
  id,
  what,
  M,
  K,
  N,
  ...(t.transA ? { transA: true } : {}),
  ...(t.transB ? { transB: true } : {}),
});
const at = (id: string, what: string, B: number, H: number, dh: number, Tq: number, Tk: number, causal: boolean): AttentionCase => ({
  kind: 'attention',
  id,
  what,
  B,
  H,
  dh,
  Tq,
  Tk,
  causal,
});

/**
 * HiGR slate decoder at KuaiRec scale: d_model 64–128, FFN 4×, batch×tokens 256–2048 rows, 4 heads of 32,
 * slates of 5 items cross-attending to a 50-item history, causal self-attention over 50 tokens.
 */
export const ALL_CASES: BenchCase[] = [
  mm('ffn-up-1024', 'FFN up, d=128 → 512, 1024 rows (e.g. 32 users × 32 tokens)', 1024, 128, 512),
  mm('ffn-down-1024', 'FFN down, 512 → d=128, 1024 rows', 1024, 512, 128),
  mm('codebook-256', 'RQ codebook distances x·Cᵀ, 256 rows, d=64, K=1024 codes', 256, 64, 1024),
  mm('qkv-2048', 'QKV projection d=128 → 3·128, 2048 rows', 2048, 128, 384),
  mm('ffn-up-d64-256', 'FFN up, d=64 → 256, 256 rows (smallest config)', 256, 64, 256),
  // the backward pass of Y = X·W: dX = dY·Wᵀ (transposed B) and dW = Xᵀ·dY (transposed A, K = the row count)
  mm('ffn-up-1024-dx', 'FFN up backward, input gradient dY·Wᵀ: (1024×512)·(128×512)ᵀ', 1024, 512, 128, { transB: true }),
  mm('ffn-up-1024-dw', 'FFN up backward, weight gradient Xᵀ·dY: (1024×128)ᵀ·(1024×512)', 128, 1024, 512, { transA: true }),
  mm('qkv-2048-dx', 'QKV backward, input gradient dY·Wᵀ: (2048×384)·(128×384)ᵀ', 2048, 384, 128, { transB: true }),
  mm('qkv-2048-dw', 'QKV backward, weight gradient Xᵀ·dY: (2048×128)ᵀ·(2048×384)', 128, 2048, 384, { transA: true }),
  at('cross-5x50', 'cross-attention: 5 slate queries × 50 history keys, B=32 H=4 dh=32', 32, 4, 32, 5, 50, false),
  at('self-causal-50', 'causal self-attention over 50 tokens, B=32 H=4 dh=32', 32, 4, 32, 50, 50, true),
  { ...mm('floor-8', 'per-call floor probe: an 8×8·8×8 matmul (fixed cost of one call, not a model shape)', 8, 8, 8), probe: true },
];

/** `--quick` (a smoke run, under a minute on an idle machine): the codebook matmul, cross-attention, the per-call floor. */
export const QUICK_IDS = ['codebook-256', 'cross-5x50', 'floor-8'];

export function benchCases(quick: boolean): BenchCase[] {
  return quick ? ALL_CASES.filter((c) => QUICK_IDS.includes(c.id)) : ALL_CASES;
}

/** The cases of a run: `ids` (from every case, `--cases`, in ALL_CASES order) when given, else the quick or full set. */
export function selectCases(quick: boolean, ids?: readonly string[]): BenchCase[] {
  return ids ? ALL_CASES.filter((c) => ids.includes(c.id)) : benchCases(quick);
}

/**
 * Floating-point operations per call (multiply and add counted separately).
 * matmul: 2·M·N·K. attention: Q·Kᵀ and P·V = 4·B·H·Tq·Tk·dh, counted DENSE even when causal (the convention for
 * comparing implementations: ORT's MatMul→Softmax→MatMul graph computes the full score matrix, our kernels skip masked
 * keys, so causal figures are "dense-equivalent" GFLOP/s); softmax, scaling and masking are not counted.
 */
export function flops(c: BenchCase): number {
  if (c.kind === 'matmul') return 2 * c.M * c.N * c.K;
  return 4 * c.B * c.H * c.Tq * c.Tk * c.dh;
}

export function shapeLabel(c: BenchCase): string {
  if (c.kind === 'matmul') return `${c.transA ? `(${c.K}×${c.M})ᵀ` : `(${c.M}×${c.K})`}·${c.transB ? `(${c.N}×${c.K})ᵀ` : `(${c.K}×${c.N})`}`;
  return `B=${c.B} H=${c.H} dh=${c.dh} Tq=${c.Tq} Tk=${c.Tk}${c.causal ? ' causal' : ''}`;
}

/** Element counts of the inputs in the order the implementations take them. */
export function inputShapes(c: BenchCase): number[][] {
  if (c.kind === 'matmul') return [c.transA ? [c.K, c.M] : [c.M, c.K], c.transB ? [c.N, c.K] : [c.K, c.N]];
  const E = c.H * c.dh;
  return [
    [c.B, c.Tq, E],
    [c.B, c.Tk, E],
    [c.B, c.Tk, E],
  ];
}

export function outputShape(c: BenchCase): number[] {
  return c.kind === 'matmul' ? [c.M, c.N] : [c.B, c.Tq, c.H * c.dh];
}

// ---------------------------------------------------------------- implementations

export const MATMUL_VARIANT_NAMES = ['naive', 'blocked4x4', 'tiled', 'vec4', 'tiledVec4'] as const;
export const ATTENTION_VARIANT_NAMES = ['rowwise', 'tiled'] as const;

/** Implementation ids as they appear in results: `ours:<variant>`, `ort-webgpu`, `ort-webgpu-mha`, `ort-wasm`, `cpu-ref`. */
export type ImplId = string;

export const IMPL_LABELS: Record<string, string> = {
  'ours:naive': 'ours naive',
  'ours:blocked4x4': 'ours blocked4x4',
  'ours:tiled': 'ours tiled',
  'ours:vec4': 'ours vec4',
  'ours:tiledVec4': 'ours tiledVec4',
  'ours:rowwise': 'ours rowwise',
  'ort-webgpu': 'ORT-web WebGPU',
  'ort-webgpu-mha': 'ORT-web WebGPU (MHA op)',
  'ort-webgpu-io': 'ORT-web WebGPU, CPU I/O',
  'ours-io': 'ours (default), CPU I/O',
  'ort-wasm': 'ORT-web wasm (CPU)',
  'cpu-ref': 'our CPU reference (TS)',
  wasm: 'ours wasm SIMD',
};

// ---------------------------------------------------------------- settings and statistics

export interface BenchSettings {
  quick: boolean;
  /** untimed calls before timing (the first compiles pipelines / creates sessions) */
  warmup: number;
  /** timed calls per (shape, implementation); the median is reported */
  reps: number;
  /** timed calls for the slow CPU reference (median) */
  cpuReps: number;
  /** time budget per (shape, implementation): once it has `minReps` samples and spent this long, it stops early */
  budgetMs: number;
  minReps: number;
  /** seed of the input data */
  seed: number;
}

export function defaultSettings(quick: boolean): BenchSettings {
  return quick
    ? { quick, warmup: 1, reps: 3, cpuReps: 1, budgetMs: 1500, minReps: 2, seed: 7 }
    : { quick, warmup: 2, reps: 11, cpuReps: 3, budgetMs: 15000, minReps: 5, seed: 7 };
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** GFLOP/s from a FLOP count and milliseconds. */
export function gflops(flop: number, ms: number): number {
  return ms > 0 ? flop / ms / 1e6 : NaN;
}

/** One (shape, implementation, host) measurement. */
export interface Measurement {
  caseId: string;
  impl: ImplId;
  /** chromium: the browser page; node-dawn: our WebGPU kernels under Dawn; node: CPU code in Node (our wasm, ORT-web wasm). */
  host: 'chromium' | 'node-dawn' | 'node';
  /** all timed samples (ms) */
  samples: number[];
  medianMs: number;
  minMs: number;
  gflops: number;
  /** max |out − CPU reference| over the output (null when not checked) */
  maxAbsErr: number | null;
  /** set instead of figures when the implementation could not run this shape */
  error?: string;
  /** CPU threads of the implementation (our wasm pool / ORT-web's numThreads); absent = 1 */
  threads?: number;
}

export function measurement(
  c: BenchCase,
  impl: ImplId,
  host: Measurement['host'],
  samples: number[],
  maxAbsErr: number | null,
): Measurement {
  const med = median(samples);
  return {
    caseId: c.id,
    impl,
    host,
    samples: samples.map((x) => Math.round(x * 1000) / 1000),
    medianMs: med,
    minMs: Math.min(...samples),
    gflops: gflops(flops(c), med),
    maxAbsErr,
  };
}

export function failed(c: BenchCase, impl: ImplId, host: Measurement['host'], error: string): Measurement {
  return { caseId: c.id, impl, host, samples: [], medianMs: NaN, minMs: NaN, gflops: NaN, maxAbsErr: null, error };
}

/** Deterministic inputs in [-1, 1) (mulberry32). */
export function seededData(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/**
 * Plain attention reference (float64 accumulation) in the engine's layout, with the engine's causal convention
 * (query i sees keys j <= i + Tk − Tq). Used to check every implementation's output, ours and ORT's alike.
 */
export function attentionReference(c: AttentionCase, q: Float32Array, k: Float32Array, v: Float32Array): Float32Array {
  const { B, H, dh, Tq, Tk, causal } = c;
  const E = H * dh;
  const out = new Float32Array(B * Tq * E);
  const s = new Float64Array(Tk);
  const scale = 1 / Math.sqrt(dh);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const qo = (b * Tq + i) * E + h * dh;
        const kEnd = causal ? Math.min(Tk, i + (Tk - Tq) + 1) : Tk;
        let mx = -Infinity;
        for (let j = 0; j < kEnd; j++) {
          const ko = (b * Tk + j) * E + h * dh;
          let acc = 0;
          for (let d = 0; d < dh; d++) acc += q[qo + d] * k[ko + d];
          s[j] = acc * scale;
          if (s[j] > mx) mx = s[j];
        }
        let sum = 0;
        for (let j = 0; j < kEnd; j++) sum += s[j] = Math.exp(s[j] - mx);
        for (let d = 0; d < dh; d++) {
          let acc = 0;
          for (let j = 0; j < kEnd; j++) acc += s[j] * v[(b * Tk + j) * E + h * dh + d];
          out[qo + d] = kEnd ? acc / sum : 0;
        }
      }
  return out;
}
