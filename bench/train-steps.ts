// Training-step workloads for `bench:train` and what we count per step on a backend: time, queue submits and
// dispatches (WebGPU counters), peak live bytes, counted FLOPs, and the overhead ratio
//   overheadRatio = achieved step GFLOP/s ÷ the same backend's matmul GFLOP/s at the step's dominant matmul shape.
// Models (issue 13 ids): 'slate-transformer' (4 decoder blocks, d=128, 5+50 tokens, batch 64, cross-attention to a
// 50-item history), 'crq-vae' (CRQ-VAE at its default size on 713-d item features, batch 256 with 64 pairs) and
// 'mlp-713-256-64' (ReLU, MSE, batch 512, Adam).
import type * as EngineNS from '../src/engine/index';
import type * as NnNS from '../src/models/nn';
import type * as CrqNS from '../src/models/crq-vae';

type Engine = typeof EngineNS;
type Tensor = EngineNS.Tensor;

export type ModelId = 'slate-transformer' | 'crq-vae' | 'mlp-713-256-64';

export interface StepWorkload {
  model: ModelId;
  /** FLOPs of one step (forward + backward, matmuls and attention; elementwise ignored). */
  flop: number;
  /** The dominant matmul shape [M, K, N] (for the matmul GFLOP/s the step is compared with). */
  matmul: [number, number, number];
  /** One training step; returns the loss tensor (kept by the caller's scope). */
  step(): Tensor;
  dispose(): void;
  settings: Record<string, unknown>;
}

export interface StepMeasurement {
  model: ModelId;
  backend: string;
  threads: number;
  steps: number;
  stepsPerSec: number;
  gflops: number;
  matmulGflops: number;
  overheadRatio: number;
  submitsPerStep: number | null;
  dispatchesPerStep: number | null;
  peakBytesPerStep: number | null;
  finalLoss: number;
}

const lin = (n: number, i: number, o: number) => 6 * n * i * o; // forward 2nio + backward 4nio

export function makeWorkload(engine: Engine, nn: typeof NnNS, crq: typeof CrqNS, model: ModelId, seed: number): StepWorkload {
  const r = nn.rng(seed);
  if (model === 'slate-transformer') {
    const B = 64, T = 55, Tc = 50, d = 128, H = 4, F = 4 * d, V = 512, blocks = 4;
    class Net extends nn.Module {
      emb = this.addModule('emb', new nn.Embedding(V, d, r, 0.1));
      pos = this.addModule('pos', new nn.Embedding(T, d, r, 0.1));
      blocks = Array.from({ length: blocks }, (_, i) => this.addModule(`b${i}`, new nn.DecoderBlock(d, H, F, r)));
      head = this.addModule('head', new nn.Linear(d, V, r));
    }
    const net = new Net();
    const opt = new nn.AdamW(net.parameters(), { lr: 1e-3 });
    const toks = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
    const hist = Int32Array.from({ length: B * Tc }, () => Math.floor(r() * V));
    const posIdx = Int32Array.from({ length: B * T }, (_, i) => i % T);
    const tgt = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
    const N = B * T;
    const perBlock = lin(N, d, d) * 2 /* q, o of cross */ + lin(B * Tc, d, d) * 2 /* k, v of cross */ + lin(N, d, d) * 4 /* self */ + lin(N, d, F) * 2 + lin(N, F, d) +
      3 * 4 * B * H * T * Tc * (d / H) + 3 * 4 * B * H * T * T * (d / H);
    return {
      model,
      flop: blocks * perBlock + lin(N, d, V),
      matmul: [N, d, F],
      settings: { B, T, Tc, d, heads: H, ffn: F, vocab: V, blocks, optimizer: 'AdamW lr 1e-3, clip 1.0' },
      step: () => {
        const x = engine.add(net.emb.forward(engine.tensor(toks, [B, T], 'i32')), net.pos.forward(engine.tensor(posIdx, [B, T], 'i32')));
        const ctx = net.emb.forward(engine.tensor(hist, [B, Tc], 'i32'));
        let h = x;
        for (const b of net.blocks) h = b.forward(h, ctx, { causal: true });
        const logits = net.head.forward(h);
        const loss = engine.crossEntropy(engine.reshape(logits, [-1, V]), engine.tensor(tgt, [N], 'i32'));
        opt.step(engine.grad(loss, net.parameters()));
        return loss;
      },
      dispose: () => {
        opt.dispose();
        net.dispose();
      },
    };
  }
  if (model === 'crq-vae') {
    const F = 713, B = 256, P = 64;
    const cfg = { ...crq.CRQ_DEFAULTS, inputDim: F };
    const vae = new crq.ResidualVAE(cfg, r);
    const opt = new nn.AdamW(vae.parameters(), { lr: 1e-3, weightDecay: 1e-4, clipNorm: 0 });
    const x = Float32Array.from({ length: B * F }, () => r() * 2 - 1);
    const anchors = Int32Array.from({ length: P }, (_, i) => i);
    const positives = Int32Array.from({ length: P }, (_, i) => P + i);
    const dims = [F, ...cfg.hidden, cfg.latentDim];
    let f = 0;
    for (let i = 0; i + 1 < dims.length; i++) f += 2 * lin(B, dims[i], dims[i + 1]); // encoder + mirrored decoder
    f += 3 * cfg.levels * 2 * B * cfg.codebookSize * cfg.latentDim; // nearest-code distances (forward only, counted once)
    return {
      model,
      flop: f,
      matmul: [B, F, cfg.hidden[0]],
      settings: { B, pairs: P, ...cfg, optimizer: 'AdamW lr 1e-3, wd 1e-4, no clip (the tokenizer default)' },
      step: () => {
        const xt = engine.tensor(x, [B, F]);
        const out = vae.forward(xt);
        const terms = crq.crqVaeLoss(out, xt, cfg, crq.batchPairs(anchors, positives));
        opt.step(engine.grad(terms.total, vae.parameters()));
        return terms.total;
      },
      dispose: () => {
        opt.dispose();
        vae.dispose();
      },
    };
  }
  const B = 512, dims = [713, 256, 64];
  const l1 = new nn.Linear(713, 256, r);
  const l2 = new nn.Linear(256, 64, r);
  const params = [...l1.parameters(), ...l2.parameters()];
  const opt = new nn.AdamW(params, { lr: 1e-3, weightDecay: 0, clipNorm: 0 });
  const x = Float32Array.from({ length: B * 713 }, () => r() * 2 - 1);
  const y = Float32Array.from({ length: B * 64 }, () => r() * 2 - 1);
  return {
    model,
    flop: lin(B, 713, 256) + lin(B, 256, 64),
    matmul: [B, 713, 256],
    settings: { B, dims, loss: 'MSE', optimizer: 'Adam lr 1e-3 (AdamW, weight decay 0)' },
    step: () => {
      const h = engine.relu(l1.forward(engine.tensor(x, [B, 713])));
      const diff = engine.sub(l2.forward(h), engine.tensor(y, [B, 64]));
      const loss = engine.mean(engine.mul(diff, diff));
      opt.step(engine.grad(loss, params));
      return loss;
    },
    dispose: () => {
      opt.dispose();
      for (const p of params) p.dispose();
    },
  };
}

/** Median seconds of `reps` matmuls of shape [M, K, N] on the current backend (inputs resident, synced per call). */
export async function matmulGflops(engine: Engine, [M, K, N]: [number, number, number], reps: number): Promise<number> {
  const be = engine.getBackend();
  const a = engine.tensor(new Float32Array(M * K).fill(0.01), [M, K]).keep();
  const b = engine.tensor(new Float32Array(K * N).fill(0.01), [K, N]).keep();
  const times: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    await be.sync();
    const t0 = performance.now();
    const c = engine.tidy(() => engine.matmul(a, b));
    await be.sync();
    const dt = (performance.now() - t0) / 1000;
    c.dispose();
    if (i > 0) times.push(dt);
  }
  a.dispose();
  b.dispose();
  times.sort((x, y) => x - y);
  return (2 * M * K * N) / times[Math.floor(times.length / 2)] / 1e9;
}

/** Warm up, then time `steps` training steps (each ends with the loss read back, as a training loop logs it). */
export async function measureSteps(engine: Engine, w: StepWorkload, opts: { steps: number; warmup: number; backend: string; threads: number; matmulReps: number }): Promise<StepMeasurement> {
  const be = engine.getBackend() as EngineNS.Backend & { submits?: number; dispatches?: number };
  let loss = NaN;
  for (let i = 0; i < opts.warmup; i++) loss = await engine.tidyAsync(async () => w.step().item());
  await be.sync();
  const s0 = be.submits ?? null;
  const d0 = be.dispatches ?? null;
  let peak = 0;
  const t0 = performance.now();
  for (let i = 0; i < opts.steps; i++) {
    be.resetPeak?.();
    loss = await engine.tidyAsync(async () => w.step().item());
    peak = Math.max(peak, be.stats().peakLiveBytes ?? 0);
  }
  await be.sync();
  const sec = (performance.now() - t0) / 1000;
  const submits = s0 === null || be.submits === undefined ? null : (be.submits - s0) / opts.steps;
  const dispatches = d0 === null || be.dispatches === undefined ? null : (be.dispatches - d0) / opts.steps;
  const gflops = (w.flop * opts.steps) / sec / 1e9;
  const mm = await matmulGflops(engine, w.matmul, opts.matmulReps);
  return {
    model: w.model,
    backend: opts.backend,
    threads: opts.threads,
    steps: opts.steps,
    stepsPerSec: opts.steps / sec,
    gflops,
    matmulGflops: mm,
    overheadRatio: gflops / mm,
    submitsPerStep: submits,
    dispatchesPerStep: dispatches,
    peakBytesPerStep: be.resetPeak ? peak : null,
    finalLoss: loss,
  };
}
