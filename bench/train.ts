// `npm run bench:train [-- --quick] [--out <dir>] [--backends wasm,webgpu,cpu] [--wasm-threads 1,2] [--models id,id] [--seconds S] [--no-peer]`
//
// One training step (forward + backward + optimizer update, loss read back) of the models this project trains, per
// backend, in this Node process:
//   crq-vae            the CRQ-VAE at its default size (713 features → 256 → 128 → 32, 3 levels × 128 codewords,
//                      SiLU; batch 256 with 64 contrastive pairs; AdamW with clipping), Eq. 5 loss
//   slate-transformer  4 decoder blocks (d = 128, 4 heads, SwiGLU 512, RMSNorm), 5 + 50 tokens, batch 64, causal
//                      self-attention, a 512-way output head, cross-entropy, AdamW
//   mlp-713-256-64     713 → 256 → 64, ReLU, MSE, batch 512, Adam (AdamW, weight decay 0, no clipping);
//                      also on @tensorflow/tfjs-backend-wasm (the peer: same shapes, explicit backward, tf.train.adam)
// Figures per row: steps/s; achieved GFLOP/s = counted FLOPs ÷ step time (FLOPs of every matmul, 2·M·N·K, and of
// attention, 4·B·H·Tq·Tk·dh forward and 10·B·H·Tq·Tk·dh backward, counted at the op dispatch); matmulGflops = the
// same backend's matmul alone on the step's matmul shapes (FLOP-weighted: Σ flops ÷ Σ isolated times); overheadRatio =
// gflops ÷ matmulGflops; submitsPerStep (WebGPU queue submits; 0 on wasm/cpu) and kernel calls per step.
// Prints a markdown table; writes <out>/bench-train.json and bench-train.md (default docs/results). Never asserts.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, Tensor } from '../src/engine/index';
import { loadAverage, machineEnvironment, writeBenchReport } from './machine';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type ModelId = 'crq-vae' | 'slate-transformer' | 'mlp-713-256-64';
const MODELS: ModelId[] = ['crq-vae', 'slate-transformer', 'mlp-713-256-64'];
type Kind = 'wasm' | 'webgpu' | 'cpu';

interface Args {
  quick: boolean;
  out: string;
  backends: Kind[];
  models: ModelId[];
  seconds: number;
  peer: boolean;
  seed: number;
  /** wasm rows at each of these thread counts (the pool of src/engine/wasm-threads.ts) */
  wasmThreads: number[];
}

function fail(msg: string): never {
  console.error(`bench:train: ${msg}`);
  process.exit(1);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: path.join(ROOT, 'docs/results'), backends: ['wasm', 'webgpu', 'cpu'], models: MODELS, seconds: 0, peer: true, seed: 0, wasmThreads: [1, 2] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const val = () => argv[++i] ?? fail(`${x} needs a value`);
    if (x === '--quick') a.quick = true;
    else if (x === '--out') a.out = path.resolve(val());
    else if (x === '--backends') {
      a.backends = val().split(',').filter(Boolean) as Kind[];
      for (const b of a.backends) if (!['wasm', 'webgpu', 'cpu'].includes(b)) fail(`--backends: unknown backend "${b}" (wasm, webgpu, cpu)`);
    } else if (x === '--models') {
      a.models = val().split(',').filter(Boolean) as ModelId[];
      for (const m of a.models) if (!MODELS.includes(m)) fail(`--models: unknown model "${m}" (${MODELS.join(', ')})`);
    } else if (x === '--seconds') {
      a.seconds = Number(val());
      if (!(a.seconds > 0)) fail('--seconds needs a positive number');
    } else if (x === '--seed') a.seed = Number(val());
    else if (x === '--no-peer') a.peer = false;
    else if (x === '--wasm-threads') {
      a.wasmThreads = val().split(',').filter(Boolean).map(Number);
      if (!a.wasmThreads.length || a.wasmThreads.some((t) => !Number.isInteger(t) || t < 1 || t > 64)) fail('--wasm-threads needs a comma list of thread counts in 1..64, e.g. 1,2');
    }
    else if (x === '--help' || x === '-h') {
      console.log('usage: npm run bench:train -- [--quick] [--out dir] [--backends wasm,webgpu,cpu] [--wasm-threads 1,2] [--models crq-vae,slate-transformer,mlp-713-256-64] [--seconds S] [--no-peer]');
      process.exit(0);
    } else fail(`unknown argument "${x}" (try --help)`);
  }
  if (!a.seconds) a.seconds = a.quick ? 1.5 : 6;
  return a;
}

const T0 = Date.now();
const log = (m: string) => console.log(`${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s  ${m}`);

type Engine = typeof import('../src/engine/index');
type Nn = typeof import('../src/models/nn');
type Crq = typeof import('../src/models/crq-vae');

/** Model sizes (quick: smaller batches so SwiftShader and the CPU reference finish). */
function sizes(quick: boolean) {
  return {
    crq: { F: 713, batch: quick ? 64 : 256, pairs: quick ? 16 : 64 },
    slate: { blocks: 4, d: 128, heads: 4, ffn: 512, T: 55, batch: quick ? 8 : 64, V: 512 },
    mlp: { I: 713, H: 256, O: 64, batch: quick ? 128 : 512 },
  };
}

interface StepFn {
  step: () => Tensor;
  dispose: () => void;
}

function buildModel(id: ModelId, E: Engine, nn: Nn, crq: Crq, quick: boolean, seed: number): StepFn {
  const S = sizes(quick);
  const r = nn.rng(seed + 17);
  if (id === 'mlp-713-256-64') {
    const { I, H, O, batch } = S.mlp;
    const l1 = new nn.Linear(I, H, r);
    const l2 = new nn.Linear(H, O, r);
    const params = [...l1.parameters(), ...l2.parameters()];
    const opt = new nn.AdamW(params, { lr: 1e-3, weightDecay: 0, clipNorm: 0 });
    const x = E.tensor(E.randn(batch * I, seed + 1), [batch, I]).keep();
    const y = E.tensor(E.randn(batch * O, seed + 2), [batch, O]).keep();
    return {
      step: () =>
        E.tidy(() => {
          const out = l2.forward(E.relu(l1.forward(x)));
          const loss = E.mean(E.square(E.sub(out, y)));
          opt.step(E.grad(loss, params));
          return loss;
        }),
      dispose: () => [x, y].forEach((t) => t.dispose()),
    };
  }
  if (id === 'crq-vae') {
    const { F, batch, pairs } = S.crq;
    const cfg = { ...crq.CRQ_DEFAULTS, inputDim: F };
    const model = new crq.ResidualVAE(cfg, r);
    const params = model.parameters();
    const opt = new nn.AdamW(params, { lr: 1e-3 });
    const x = E.tensor(E.randn(batch * F, seed + 3), [batch, F]).keep();
    const P = crq.batchPairs(Int32Array.from({ length: pairs }, (_, i) => i), Int32Array.from({ length: pairs }, (_, i) => pairs + i));
    P.anchors.keep();
    P.positives.keep();
    return {
      step: () =>
        E.tidy(() => {
          const out = model.forward(x);
          const terms = crq.crqVaeLoss(out, x, cfg, P);
          opt.step(E.grad(terms.total, params));
          return terms.total;
        }),
      dispose: () => [x, P.anchors, P.positives].forEach((t) => t.dispose()),
    };
  }
  const { blocks, d, heads, ffn, T, batch, V } = S.slate;
  const emb = new nn.Embedding(V, d, r);
  const pos = new nn.Embedding(T, d, r);
  const layers = Array.from({ length: blocks }, () => new nn.DecoderBlock(d, heads, ffn, r));
  const norm = new nn.RMSNorm(d, r);
  const head = new nn.Linear(d, V, r, { bias: false });
  const params = [...emb.parameters(), ...pos.parameters(), ...layers.flatMap((l) => l.parameters()), ...norm.parameters(), ...head.parameters()];
  const opt = new nn.AdamW(params, { lr: 1e-3 });
  const tokens = E.tensor(E.randint(batch * T, V, seed + 4), [batch, T], 'i32').keep();
  const positions = E.tensor(Int32Array.from({ length: batch * T }, (_, i) => i % T), [batch, T], 'i32').keep();
  const targets = E.tensor(E.randint(batch * T, V, seed + 5), [batch * T], 'i32').keep();
  return {
    step: () =>
      E.tidy(() => {
        let h = E.add(emb.forward(tokens), pos.forward(positions));
        for (const l of layers) h = l.forward(h, null, { causal: true });
        const logits = head.forward(norm.forward(h));
        const loss = E.crossEntropy(E.reshape(logits, [-1, V]), targets);
        opt.step(E.grad(loss, params));
        return loss;
      }),
    dispose: () => [tokens, positions, targets].forEach((t) => t.dispose()),
  };
}

/** Count FLOPs and matmul shapes at the dispatch point of one backend (wraps its `execute`). */
function instrument(be: Backend) {
  const c = { flops: 0, matmulFlops: 0, calls: 0, shapes: new Map<string, { M: number; N: number; K: number; batch: number; tA: boolean; tB: boolean; count: number }>() };
  const orig = be.execute.bind(be);
  be.execute = (def, ins, outs, attrs, metas) => {
    c.calls++;
    if (def.name === 'matmul') {
      const a = attrs as unknown as { transA: boolean; transB: boolean };
      const o = metas.outputs[0].shape;
      const [M, N] = o.slice(-2);
      const as = metas.inputs[0].shape;
      const K = a.transA ? as[as.length - 2] : as[as.length - 1];
      const batch = o.slice(0, -2).reduce((x, y) => x * y, 1);
      const f = 2 * batch * M * N * K;
      c.flops += f;
      c.matmulFlops += f;
      const key = `${batch}x${M}x${N}x${K}:${+a.transA}${+a.transB}`;
      const s = c.shapes.get(key);
      if (s) s.count++;
      else c.shapes.set(key, { M, N, K, batch, tA: a.transA, tB: a.transB, count: 1 });
    } else if (def.name === 'attention' || def.name === 'attentionBackward') {
      const [q, k] = metas.inputs;
      const [B, Tq, D] = q.shape;
      const Tk = k.shape[1];
      c.flops += (def.name === 'attention' ? 4 : 10) * B * Tq * Tk * D;
    }
    orig(def, ins, outs, attrs, metas);
  };
  return c;
}

function submitsOf(be: Backend): number {
  const b = be as unknown as { submits?: number; dispatches?: number };
  return be.kind === 'webgpu' ? (b.submits ?? b.dispatches ?? 0) : 0;
}

async function timeSteps(fn: () => Promise<void>, seconds: number, minSteps: number): Promise<{ steps: number; ms: number }> {
  let steps = 0;
  const t0 = performance.now();
  while (steps < minSteps || performance.now() - t0 < seconds * 1000) {
    await fn();
    steps++;
  }
  return { steps, ms: performance.now() - t0 };
}

/** Our matmul alone on every distinct shape of the step; returns Σ count·time (ms) for the step's matmuls. */
async function matmulAlone(E: Engine, be: Backend, shapes: ReturnType<typeof instrument>['shapes'], seconds: number): Promise<number> {
  let total = 0;
  const per = Math.max(0.05, seconds / Math.max(1, shapes.size) / 2);
  for (const s of shapes.values()) {
    const aShape = s.tA ? [s.K, s.M] : [s.M, s.K];
    const bShape = s.tB ? [s.N, s.K] : [s.K, s.N];
    const batchDims = s.batch > 1 ? [s.batch] : [];
    const a = E.tensor(E.randn(s.batch * s.M * s.K, 1), [...batchDims, ...aShape], 'f32', be);
    const b = E.tensor(E.randn(s.batch * s.K * s.N, 2), [...batchDims, ...bShape], 'f32', be);
    const run = () => E.matmul(a, b, { transA: s.tA, transB: s.tB }).dispose();
    run();
    await be.sync();
    let reps = 0;
    const t0 = performance.now();
    while (reps < 3 || performance.now() - t0 < per * 1000) {
      for (let i = 0; i < 4; i++) run();
      await be.sync();
      reps += 4;
    }
    const ms = (performance.now() - t0) / reps;
    total += ms * s.count;
    a.dispose();
    b.dispose();
  }
  return total;
}

interface Row {
  model: ModelId;
  backend: string;
  threads: number | null;
  stepsPerSec: number;
  gflops: number;
  matmulGflops: number | null;
  overheadRatio: number | null;
  submitsPerStep: number | null;
  kernelCallsPerStep: number | null;
  /** WebGPU: peak live bytes during one measured step (backend stats after resetPeak); null elsewhere. */
  peakBytesPerStep: number | null;
  flopPerStep: number;
  steps: number;
  finalLoss: number;
  detail: string;
}

async function benchOurs(E: Engine, nn: Nn, crq: Crq, be: Backend, id: ModelId, a: Args): Promise<Row> {
  E.setBackend(be);
  E.resetFallbacks();
  const m = buildModel(id, E, nn, crq, a.quick, a.seed);
  const counter = instrument(be);
  let lastLoss = NaN;
  const once = async () => {
    const loss = m.step();
    lastLoss = await loss.item();
    loss.dispose();
  };
  await once(); // warm-up: pipelines, pools
  if (be.kind === 'wasm') await once(); // (a second one where it is cheap)
  const c0 = { flops: counter.flops, calls: counter.calls, submits: submitsOf(be) };
  let perStep: { flops: number; calls: number; submits: number } | null = null;
  let peakBytes: number | null = null;
  const peakable = be as unknown as { resetPeak?: () => number; stats(): { peakLiveBytes?: number } };
  // the first timed step is also the counted one
  const t = await timeSteps(async () => {
    if (!perStep) peakable.resetPeak?.();
    await once();
    if (!perStep && peakable.resetPeak) peakBytes = peakable.stats().peakLiveBytes ?? null;
    perStep ??= { flops: counter.flops - c0.flops, calls: counter.calls - c0.calls, submits: submitsOf(be) - c0.submits };
  }, a.seconds, be.kind === 'wasm' ? 3 : 1);
  if (!perStep) throw new Error('no step timed');
  const ps: { flops: number; calls: number; submits: number } = perStep;
  const msPerStep = t.ms / t.steps;
  const gflops = ps.flops / (msPerStep * 1e6);
  const mmMs = await matmulAlone(E, be, counter.shapes, a.seconds);
  // one step's matmuls only (the shape map was filled over warm-up + measured steps: count per step)
  const stepsSeen = (be.kind === 'wasm' ? 2 : 1) + t.steps;
  const matmulGflops = counter.matmulFlops / stepsSeen / ((mmMs / stepsSeen) * 1e6);
  m.dispose();
  const fb = E.fallbacks().filter((f) => f.backend === be.kind);
  return {
    model: id,
    backend: be.kind,
    threads: be.kind === 'wasm' ? (be as unknown as { threads: number }).threads : be.kind === 'cpu' ? 1 : null,
    stepsPerSec: 1000 / msPerStep,
    gflops,
    matmulGflops,
    overheadRatio: gflops / matmulGflops,
    submitsPerStep: be.kind === 'webgpu' ? ps.submits : 0,
    kernelCallsPerStep: ps.calls,
    peakBytesPerStep: peakBytes,
    flopPerStep: ps.flops,
    steps: t.steps,
    finalLoss: lastLoss,
    detail: `${be.describe()}${fb.length ? `; CPU fallbacks: ${fb.map((f) => `${f.op}×${f.calls}`).join(', ')}` : ''}`,
  };
}

/** The peer: the MLP step on @tensorflow/tfjs-backend-wasm (explicit backward with tfjs ops; tf.train.adam). */
async function benchTfjs(a: Args): Promise<Row> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfw = await import('@tensorflow/tfjs-backend-wasm');
  tfw.setWasmPaths(path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  const { I, H, O, batch: B } = sizes(a.quick).mlp;
  const x = tf.randomNormal([B, I], 0, 1, 'float32', a.seed + 1);
  const y = tf.randomNormal([B, O], 0, 1, 'float32', a.seed + 2);
  const w1 = tf.variable(tf.randomNormal([I, H], 0, 1 / Math.sqrt(I), 'float32', a.seed + 3), true, 'w1');
  const b1 = tf.variable(tf.zeros([H]), true, 'b1');
  const w2 = tf.variable(tf.randomNormal([H, O], 0, 1 / Math.sqrt(H), 'float32', a.seed + 4), true, 'w2');
  const b2 = tf.variable(tf.zeros([O]), true, 'b2');
  const opt = tf.train.adam(1e-3);
  let lastLoss = NaN;
  const once = async () => {
    const loss = tf.tidy(() => {
      const h = tf.add(tf.matMul(x, w1), b1);
      const act = tf.relu(h);
      const out = tf.add(tf.matMul(act, w2), b2);
      const d = tf.sub(out, y);
      const l = tf.mean(tf.square(d));
      const gOut = tf.mul(d, 2 / (B * O));
      const gAct = tf.matMul(gOut, w2, false, true);
      const gH = tf.mul(gAct, tf.step(h));
      opt.applyGradients({ w1: tf.matMul(x, gH, true, false), b1: tf.sum(gH, 0), w2: tf.matMul(act, gOut, true, false), b2: tf.sum(gOut, 0) });
      return l;
    });
    lastLoss = (await loss.data())[0];
    loss.dispose();
  };
  await once();
  await once();
  const t = await timeSteps(once, a.seconds, 3);
  const msPerStep = t.ms / t.steps;
  const flop = 2 * B * (I * H + H * O) * 3 - 2 * B * I * H; // forward 2 matmuls, backward 3 (no dx for the input)
  // tfjs matmul alone at the step's shapes
  const shapes: [number, number, number, boolean, boolean][] = [
    [B, H, I, false, false],
    [B, O, H, false, false],
    [B, H, O, false, true],
    [I, H, B, true, false],
    [H, O, B, true, false],
  ];
  let mmMs = 0;
  let mmFlop = 0;
  for (const [M, N, K, tA, tB] of shapes) {
    const A = tf.randomNormal(tA ? [K, M] : [M, K]);
    const Bm = tf.randomNormal(tB ? [N, K] : [K, N]);
    const run = () => tf.matMul(A, Bm, tA, tB);
    (await run().data(), undefined);
    let reps = 0;
    const t0 = performance.now();
    while (reps < 3 || performance.now() - t0 < (a.seconds / shapes.length / 2) * 1000) {
      const r = run();
      r.dataSync();
      r.dispose();
      reps++;
    }
    mmMs += (performance.now() - t0) / reps;
    mmFlop += 2 * M * N * K;
    A.dispose();
    Bm.dispose();
  }
  const gflops = flop / (msPerStep * 1e6);
  const matmulGflops = mmFlop / (mmMs * 1e6);
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? (tfw.getThreadsCount?.() ?? 1) : 1;
  return {
    model: 'mlp-713-256-64',
    backend: 'tfjs-wasm',
    threads,
    stepsPerSec: 1000 / msPerStep,
    gflops,
    matmulGflops,
    overheadRatio: gflops / matmulGflops,
    submitsPerStep: null,
    peakBytesPerStep: null,
    kernelCallsPerStep: null,
    flopPerStep: flop,
    steps: t.steps,
    finalLoss: lastLoss,
    detail: `@tensorflow/tfjs-backend-wasm ${tf.version_core}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}`,
  };
}

const r2 = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 100) / 100);
const r3 = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const E = (await import('../src/engine/index')) as Engine;
  const nn = (await import('../src/models/nn')) as Nn;
  const crq = (await import('../src/models/crq-vae')) as Crq;
  const started = new Date();
  const loadAtStart = loadAverage();
  log(`bench:train ${a.quick ? '(quick) ' : ''}— models ${a.models.join(', ')}; backends ${a.backends.join(', ')}; ${a.seconds} s per row`);
  const backends: Backend[] = [];
  const problems: string[] = [];
  let adapter: string | null = null;
  for (const k of a.backends) {
    try {
      if (k === 'wasm') for (const t of a.wasmThreads) backends.push(new E.WasmBackend(await E.loadWasm(undefined, { threads: t })));
      else if (k === 'cpu') backends.push(new E.CpuBackend());
      else {
        const ctx = await E.requestGpu();
        adapter = E.describeAdapter(ctx.info);
        backends.push(new E.WebGPUBackend(ctx));
      }
    } catch (e) {
      problems.push(`${k}: ${(e as Error).message}`);
    }
  }
  const rows: Row[] = [];
  for (const id of a.models) {
    for (const be of backends) {
      // the CPU reference needs ~20 s per transformer step at the full size: skipped unless asked for alone
      if (be.kind === 'cpu' && id === 'slate-transformer' && !a.quick && a.backends.length > 1) {
        problems.push('slate-transformer on cpu skipped at the full size (~20 s per step); run --backends cpu --models slate-transformer for it');
        continue;
      }
      log(`${id} on ${be.describe()} ...`);
      try {
        const row = await benchOurs(E, nn, crq, be, id, a);
        rows.push(row);
        log(`  ${row.stepsPerSec.toFixed(2)} steps/s, ${row.gflops.toFixed(2)} GFLOP/s, matmul ${row.matmulGflops?.toFixed(2)} GFLOP/s, ratio ${row.overheadRatio?.toFixed(2)}, loss ${row.finalLoss.toFixed(4)}`);
      } catch (e) {
        problems.push(`${id} on ${be.kind}: ${(e as Error).message}`);
        log(`  FAILED: ${(e as Error).stack}`);
      }
    }
    if (id === 'mlp-713-256-64' && a.peer) {
      log('mlp-713-256-64 on tfjs-wasm (peer) ...');
      try {
        const row = await benchTfjs(a);
        rows.push(row);
        log(`  ${row.stepsPerSec.toFixed(2)} steps/s, ${row.gflops.toFixed(2)} GFLOP/s, matmul ${row.matmulGflops?.toFixed(2)} GFLOP/s`);
      } catch (e) {
        problems.push(`tfjs-wasm peer: ${(e as Error).message}`);
      }
    }
  }
  const rounded = rows.map((r) => ({
    ...r,
    stepsPerSec: r3(r.stepsPerSec)!,
    gflops: r2(r.gflops)!,
    matmulGflops: r2(r.matmulGflops),
    overheadRatio: r2(r.overheadRatio),
    finalLoss: r3(r.finalLoss)!,
  }));
  const mlp = (b: string, threads?: number) => rows.find((r) => r.model === 'mlp-713-256-64' && r.backend === b && (threads === undefined || r.threads === threads))?.stepsPerSec ?? null;
  const over = (x: number | null, y: number | null) => (x !== null && y !== null ? r2(x / y) : null);
  const ratios = {
    /** at 1 thread each (the issue's target: >= 3x, stretch 5x) */
    mlpWasmOverTfjsWasm: over(mlp('wasm', 1), mlp('tfjs-wasm')),
    mlpWasmOverWebgpu: over(mlp('wasm', 1), mlp('webgpu')),
    /** our wasm at each thread count against tfjs-wasm (1 thread: it has no threads in Node) and against our own 1-thread row */
    mlpWasmByThreads: a.wasmThreads.map((t) => ({ threads: t, stepsPerSec: mlp('wasm', t), overTfjsWasm: over(mlp('wasm', t), mlp('tfjs-wasm')), overWasm1: over(mlp('wasm', t), mlp('wasm', 1)) })),
  };
  const headers = ['model', 'backend', 'threads', 'steps/s', 'GFLOP/s', 'matmul GFLOP/s (same shapes)', 'overhead ratio', 'submits/step', 'kernel calls/step', 'peak MiB/step', 'GFLOP/step', 'steps timed', 'loss', 'detail'];
  const body = rounded.map((r) => [r.model, r.backend, r.threads ?? 'n/a', r.stepsPerSec, r.gflops, r.matmulGflops ?? 'n/a', r.overheadRatio ?? 'n/a', r.submitsPerStep ?? 'n/a', r.kernelCallsPerStep ?? 'n/a', r.peakBytesPerStep == null ? 'n/a' : r3(r.peakBytesPerStep / 2 ** 20), r3(r.flopPerStep / 1e9), r.steps, r.finalLoss, r.detail]);
  const cell = (v: unknown) => String(v).replace(/\|/g, '\\|');
  const table = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...body.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
  const S = sizes(a.quick);
  const result = {
    command: 'bench:train',
    protocol:
      'One step = forward + backward + optimizer update + loss readback, timed back to back after 1 (wasm: 2) untimed steps, for ' +
      `at least ${a.seconds} s (wasm >= 3 steps, the slow backends >= 1). Counted FLOPs: every matmul (2MNK) and attention (4·B·Tq·Tk·H·dh forward, ` +
      '10· backward) at the op dispatch; elementwise work is not counted. matmulGflops: the same backend running only ' +
      "the step's matmuls (each distinct shape/transpose timed alone, FLOP-weighted). overheadRatio = gflops / matmulGflops. " +
      'Inputs are seeded random data (the CRQ-VAE codebooks are not k-means initialised), so losses only show that each row trains the same model. The tfjs-wasm peer runs the same MLP with explicit backward matmuls (tf.matMul with transposes) and tf.train.adam.',
    settings: { quick: a.quick, secondsPerRow: a.seconds, models: a.models, backends: a.backends, sizes: S },
    seed: a.seed,
    date: started.toISOString(),
    environment: {
      ...machineEnvironment(loadAtStart),
      adapter,
      wasmThreads: a.wasmThreads,
      backends: backends.map((b) => b.describe()),
    },
    rows: rounded,
    ratios,
    targets: 'issue 13: MLP step >= 3x tfjs-wasm steps/s at 1 thread (stretch 5x), faster again on 2 threads; wasm overheadRatio >= 0.5',
    problems,
  };
  writeBenchReport({
    out: a.out,
    name: 'bench-train',
    result,
    header: [
      `# bench:train — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${a.quick ? ' (quick)' : ''}`,
      '',
      `Generated by \`npm run bench:train${a.quick ? ' -- --quick' : ''}\` (bench/train.ts); seed ${a.seed}. ${result.protocol}`,
      '',
      `- Node ${process.version}; CPU ${result.environment.cpus}; load average ${loadAtStart.join(' ')} at start, ${result.environment.loadAverageAtEnd.join(' ')} at end`,
      `- WebGPU adapter: ${adapter ?? 'n/a'}`,
      `- MLP steps/s, wasm (1 thread) ÷ tfjs-wasm: ${ratios.mlpWasmOverTfjsWasm ?? 'n/a'}; wasm ÷ webgpu: ${ratios.mlpWasmOverWebgpu ?? 'n/a'}`,
      ...ratios.mlpWasmByThreads.filter((x) => x.threads !== 1).map((x) => `- MLP steps/s, wasm at ${x.threads} threads ÷ tfjs-wasm: ${x.overTfjsWasm ?? 'n/a'}; ÷ wasm at 1 thread: ${x.overWasm1 ?? 'n/a'}`),
    ],
    table,
    problems,
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:train: ${(e as Error).message}`);
    process.exit(1);
  },
);
