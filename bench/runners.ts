// Timing loops shared by the browser page and the Node/Dawn half. They receive the engine (and onnxruntime-web) as
// arguments so this file can be imported before the Node loader hooks are registered.
//
// Timing protocol (every implementation): `warmup` untimed calls (the first one compiles pipelines / builds the session
// and its output is checked against the reference), then `reps` timed calls, each from the call until the work is done:
//   GPU, resident inputs/outputs: call → queue.onSubmittedWorkDone()  (ours: be.sync(); ORT: its device's queue)
//   GPU with CPU I/O ('ours-io', 'ort-webgpu-io'): inputs uploaded from CPU arrays → call → output bytes back on the CPU
//   CPU (ORT wasm, our TS reference): call → result (synchronous or awaited)
// The median of the timed calls is reported (a noisy 2-core machine); min and all samples are kept in the JSON.
import type * as EngineNS from '../src/engine/index';
import type { Backend, Tensor, WebGPUBackend } from '../src/engine/index';
import type * as OrtNS from 'onnxruntime-web';
import {
  type AttentionCase,
  type BenchCase,
  type BenchSettings,
  type Measurement,
  attentionReference,
  failed,
  inputShapes,
  maxAbsDiff,
  measurement,
  outputShape,
  seededData,
} from './cases';
import { attentionGraphModel, attentionMhaModel, matmulModel } from './onnx';

export type Engine = typeof EngineNS;
export type Ort = typeof OrtNS;
export type Host = Measurement['host'];

/** The engine's attention frontend (src/engine/ops/attention.ts), when it exists. */
export type AttentionFn = (
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: { heads: number; causal?: boolean; variant?: string },
) => Tensor | Tensor[];

export interface AttentionModule {
  attention: AttentionFn;
  variants: string[];
  /** the variant the engine would pick on this backend, when the module exposes a picker */
  pick?: (be: WebGPUBackend) => string;
}

export type Log = (msg: string) => void;

const now = () => performance.now();
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function benchInputs(c: BenchCase, seed: number): Float32Array[] {
  return inputShapes(c).map((s, i) => seededData(sizeOf(s), seed * 101 + i));
}

/** Reference output for checking: engine CPU matmul (matmul) or the bench's float64 attention (attention). */
export function referenceOutput(engine: Engine, c: BenchCase, inputs: Float32Array[]): Float32Array {
  if (c.kind === 'attention') return attentionReference(c, inputs[0], inputs[1], inputs[2]);
  const cpu = new engine.CpuBackend();
  const [a, b] = inputShapes(c).map((s, i) => engine.tensor(inputs[i], s, 'f32', cpu));
  const out = engine.matmul(a, b, { transA: !!c.transA, transB: !!c.transB });
  const data = Float32Array.from(cpu.readSync(out.storage) as Float32Array);
  a.dispose();
  b.dispose();
  out.dispose();
  return data;
}

function firstTensor(r: Tensor | Tensor[]): { out: Tensor; all: Tensor[] } {
  const all = Array.isArray(r) ? r : [r];
  return { out: all[0], all };
}

/** One implementation of one case, set up and warmed up, ready for timed calls. */
export interface Prepared {
  impl: string;
  host: Host;
  /** timed calls wanted (the CPU reference takes fewer) */
  reps: number;
  /** max |out − reference| of the first warm-up call */
  err: number | null;
  /** one timed call: from the call until the work is done (see the protocol above) */
  once(): Promise<void>;
  dispose(): Promise<void> | void;
}

type PrepResult = Prepared | Measurement;

/** Ours on a backend (WebGPU, wasm or the CPU reference): one variant, inputs resident. */
export async function prepareOurs(
  engine: Engine,
  be: Backend,
  c: BenchCase,
  variant: string | undefined,
  impl: string,
  host: Host,
  s: BenchSettings,
  inputs: Float32Array[],
  ref: Float32Array,
  attn: AttentionModule | null,
  opts: { readback?: boolean; cpu?: boolean } = {},
): Promise<PrepResult> {
  if (c.kind === 'attention' && !attn) return failed(c, impl, host, 'src/engine/ops/attention.ts not available');
  const ts = inputShapes(c).map((sh, i) => engine.tensor(inputs[i], sh, 'f32', be));
  // tidy: ops with internal extra outputs (attention's logsumexp) must not leak across calls
  const call = (): Tensor =>
    engine.tidy(() =>
      engine.noGrad(() =>
        c.kind === 'matmul'
          ? engine.matmul(ts[0], ts[1], { variant: variant as EngineNS.MatmulVariant | undefined, transA: !!c.transA, transB: !!c.transB })
          : firstTensor(attn!.attention(ts[0], ts[1], ts[2], { heads: c.H, causal: c.causal, variant })).out,
      ),
    );
  try {
    let err: number | null = null;
    for (let w = 0; w < (opts.cpu ? 1 : Math.max(1, s.warmup)); w++) {
      // the first call runs inside WebGPU error scopes: an invalid pipeline is a failure, not a fast zero
      const out = w === 0 && be.kind === 'webgpu' ? await (be as WebGPUBackend).checked(call) : call();
      if (w === 0) {
        const got = await out.data();
        if (got.length !== sizeOf(outputShape(c))) throw new Error(`output has ${got.length} elements`);
        err = maxAbsDiff(got, ref);
      }
      out.dispose();
    }
    return {
      impl,
      host,
      reps: opts.cpu ? s.cpuReps : s.reps,
      err,
      async once() {
        // readback mode is the CPU-in, CPU-out protocol (like ORT given CPU tensors): upload inputs, read the output
        if (opts.readback) ts.forEach((t, i) => engine.assign(t, inputs[i]));
        const out = call();
        if (opts.readback) await out.data();
        else await be.sync();
        out.dispose();
      },
      dispose: () => ts.forEach((t) => t.dispose()),
    };
  } catch (e) {
    ts.forEach((t) => t.dispose());
    return failed(c, impl, host, (e as Error).message.split('\n')[0].slice(0, 300));
  }
}

export type OrtMode = 'ort-webgpu' | 'ort-webgpu-mha' | 'ort-webgpu-io' | 'ort-wasm';

export function ortModel(c: BenchCase, mode: OrtMode): Uint8Array {
  if (c.kind === 'matmul') return matmulModel(c.M, c.K, c.N, c);
  const d = { B: c.B, H: c.H, dh: c.dh, Tq: c.Tq, Tk: c.Tk, causal: c.causal };
  return mode === 'ort-webgpu-mha' ? attentionMhaModel(d) : attentionGraphModel(d);
}

/**
 * onnxruntime-web on one shape. 'ort-webgpu' and 'ort-webgpu-mha' keep inputs and output on the GPU
 * (Tensor.fromGpuBuffer feeds, preferredOutputLocation 'gpu-buffer') and end each call with onSubmittedWorkDone on
 * ORT's own device — the same protocol as ours; 'ort-webgpu-io' feeds CPU tensors and reads the output back;
 * 'ort-wasm' is the CPU execution provider.
 */
export async function prepareOrt(ort: Ort, c: BenchCase, mode: OrtMode, s: BenchSettings, inputs: Float32Array[], ref: Float32Array, host: Host = 'chromium'): Promise<PrepResult> {
  const resident = mode === 'ort-webgpu' || mode === 'ort-webgpu-mha';
  const names = c.kind === 'matmul' ? ['A', 'B'] : ['q', 'k', 'v'];
  const outName = c.kind === 'matmul' ? 'Y' : 'o';
  const shapes = inputShapes(c);
  let session: OrtNS.InferenceSession | null = null;
  const buffers: GPUBuffer[] = [];
  const dispose = async () => {
    await session?.release().catch(() => {});
    buffers.forEach((b) => b.destroy());
  };
  try {
    session = await ort.InferenceSession.create(ortModel(c, mode), {
      executionProviders: [mode === 'ort-wasm' ? 'wasm' : 'webgpu'],
      graphOptimizationLevel: 'all',
      ...(resident ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    });
    const feeds: Record<string, OrtNS.Tensor> = {};
    let device: GPUDevice | null = null;
    if (resident) {
      device = (await ort.env.webgpu.device) as GPUDevice;
      shapes.forEach((sh, i) => {
        const buf = device!.createBuffer({
          size: Math.ceil(inputs[i].byteLength / 16) * 16,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        });
        device!.queue.writeBuffer(buf, 0, inputs[i] as Float32Array<ArrayBuffer>);
        buffers.push(buf);
        feeds[names[i]] = ort.Tensor.fromGpuBuffer(buf as never, { dataType: 'float32', dims: sh });
      });
    } else {
      shapes.forEach((sh, i) => (feeds[names[i]] = new ort.Tensor('float32', inputs[i], sh)));
    }
    let err: number | null = null;
    for (let w = 0; w < Math.max(1, s.warmup); w++) {
      const r = await session.run(feeds);
      const o = r[outName];
      if (w === 0) err = maxAbsDiff((await o.getData()) as Float32Array, ref);
      o.dispose();
    }
    const sess = session;
    return {
      impl: mode,
      host,
      reps: s.reps,
      err,
      async once() {
        const r = await sess.run(feeds);
        const o = r[outName];
        if (resident) await device!.queue.onSubmittedWorkDone();
        else if (mode === 'ort-webgpu-io') await o.getData();
        o.dispose();
      },
      dispose,
    };
  } catch (e) {
    await dispose();
    return failed(c, mode, host, String((e as Error).message ?? e).split('\n')[0].slice(0, 300));
  }
}

/**
 * Time prepared implementations of one case INTERLEAVED: round r calls each implementation once (those that still
 * want samples: up to `reps`, at least `minReps`, fewer once `budgetMs` is spent), so a load change on the shared machine hits every implementation alike and the ratios stay fair.
 */
export async function timeInterleaved(c: BenchCase, preps: PrepResult[], s: BenchSettings): Promise<Measurement[]> {
  const live = preps.filter((p): p is Prepared => 'once' in p);
  const samples = new Map<Prepared, number[]>(live.map((p) => [p, []]));
  const broken = new Map<Prepared, string>();
  const rounds = Math.max(0, ...live.map((p) => p.reps));
  const spent = (p: Prepared) => samples.get(p)!.reduce((a, b) => a + b, 0);
  for (let r = 0; r < rounds; r++) {
    for (const p of live) {
      if (r >= p.reps || broken.has(p)) continue;
      // slow implementations (naive kernels, the CPU reference) stop early once they have enough samples
      if (r >= Math.min(s.minReps, p.reps) && spent(p) > s.budgetMs) continue;
      try {
        const t0 = now();
        await p.once();
        samples.get(p)!.push(now() - t0);
      } catch (e) {
        broken.set(p, (e as Error).message.split('\n')[0].slice(0, 300));
      }
    }
  }
  for (const p of live) await p.dispose();
  return preps.map((p) => {
    if (!('once' in p)) return p;
    const err = broken.get(p);
    return err ? failed(c, p.impl, p.host, err) : measurement(c, p.impl, p.host, samples.get(p)!, p.err);
  });
}

export function ourVariants(c: BenchCase, engine: Engine, attn: AttentionModule | null): string[] {
  return c.kind === 'matmul' ? [...engine.MATMUL_VARIANTS] : attn?.variants ?? [];
}

/** Prepare every "ours" implementation of one case on one backend: each GPU variant, the default with readback, the CPU reference. */
export async function prepareOursCase(
  engine: Engine,
  gpu: WebGPUBackend,
  c: BenchCase,
  s: BenchSettings,
  host: Host,
  attn: AttentionModule | null,
  inputs: Float32Array[],
  ref: Float32Array,
): Promise<PrepResult[]> {
  const preps: PrepResult[] = [];
  for (const v of ourVariants(c, engine, attn)) preps.push(await prepareOurs(engine, gpu, c, v, `ours:${v}`, host, s, inputs, ref, attn));
  if (c.kind === 'attention' && !attn) preps.push(failed(c, 'ours:rowwise', host, 'src/engine/ops/attention.ts not available'));
  if (c.kind === 'matmul' || attn) preps.push(await prepareOurs(engine, gpu, c, undefined, 'ours-io', host, s, inputs, ref, attn, { readback: true }));
  preps.push(await prepareOurs(engine, new engine.CpuBackend(), c, undefined, 'cpu-ref', host, s, inputs, ref, attn, { cpu: true }));
  return preps;
}

/**
 * Our wasm rows of a case timed while the worker pool stopped using its workers (a worker exited or missed a job:
 * `wasm.threads` fell below `threads`) are not `threads`-thread figures: they become failures that name the reason.
 */
export function degradedRows(wasm: { threads: number; describe(): string }, threads: number, ms: Measurement[]): Measurement[] {
  if (wasm.threads >= threads) return ms;
  return ms.map((m) => (m.impl === 'wasm' && !m.error ? { ...m, samples: [], medianMs: NaN, minMs: NaN, gflops: NaN, error: `ran on ${wasm.threads} of ${threads} threads: ${wasm.describe()}` } : m));
}

export function logMeasurement(log: Log, m: Measurement) {
  log(
    m.error
      ? `  ${m.caseId} ${m.impl} [${m.host}]: FAILED ${m.error}`
      : `  ${m.caseId} ${m.impl} [${m.host}]: ${m.medianMs.toFixed(2)} ms, ${m.gflops.toFixed(3)} GFLOP/s, max|err| ${m.maxAbsErr?.toExponential(1)}`,
  );
}

/** Which variant the engine picks by default on this backend (for the "default" column). */
export function defaultVariant(engine: Engine, gpu: WebGPUBackend, c: BenchCase, attn: AttentionModule | null): string | null {
  if (c.kind === 'matmul') return engine.pickMatmulVariant(gpu);
  return attn?.pick ? attn.pick(gpu) : null;
}

export type { AttentionCase };

/** Adapt src/engine/ops/attention.ts (whatever it exports) to the bench's AttentionModule, or null if unusable. */
export function adaptAttention(m: Record<string, unknown> | null | undefined): AttentionModule | null {
  if (!m || typeof m.attention !== 'function') return null;
  const variants = (m.ATTENTION_VARIANTS as string[] | undefined) ?? ['rowwise', 'tiled'];
  const pick = (m.pickAttentionVariant as AttentionModule['pick']) ?? undefined;
  return { attention: m.attention as AttentionFn, variants: [...variants], pick };
}
