// Host cost per kernel dispatch, batched (one command encoder, submitted at the readback) vs unbatched (one submit per
// dispatch, the pre-batching engine), on the same device. Used by `npm run bench:dispatch` (Node/Dawn and Chromium) and
// by `npm run bench:kernels` (Node/Dawn half). Runs wherever the engine runs: the caller passes the engine module and,
// in Node, a clock that reads the recording thread's CPU time (nothing in here touches Node or the DOM).
//
// Workloads (the GPU work is negligible next to the host cost, so the time is overhead):
//   add-chain   a chain of `n` small elementwise adds (256 floats), each reading the previous output
//   block-step  one training step of a small decoder block (d = 32, 2 heads, batch 2 × 8 tokens): forward, loss,
//               backward, fused clip + AdamW — the engine's real mix of kernels (matmul, attention, RMSNorm, …)
// Each round records the workload with nothing pending, then reads the result back. Per round, per dispatch:
//   host      wall time of the synchronous recording (until the loop returns)
//   wait      time the recording thread sat runnable on a run queue, not running (Linux:
//             /proc/self/task/<tid>/schedstat, run_delay): other processes' load
//   on-CPU    host − wait: the time the recording thread was running (it does not sleep while recording; if Dawn
//             blocked it on a lock, that time would count here, against us)
//   process   CPU time of the whole process (user + system, every thread: also Dawn's, V8's compiler and GC threads)
//   wall      time until the result is back on the CPU (includes executing the dispatches)
// Why on-CPU = host − wait and not schedstat's own run time: the kernel updates a running thread's run time only at a
// scheduler tick or switch (up to 4 ms late), longer than a round, while run_delay is added exactly when the thread
// gets a CPU back. The JSON also has schedstat's run time summed over all timed rounds (`threadRunUsPerDispatch`, where
// the lag averages out) as a cross-check. On a shared machine the wall-clock median is inflated by `wait`; on-CPU is
// the host cost that is ours. Warm-up rounds (untimed) let the JIT settle first.
import type * as EngineModule from '../src/engine/index';
import type * as NnModule from '../src/models/nn';

export type Workload = 'add-chain' | 'block-step';

/** Thread and process CPU clocks (µs, monotonic); a field is null where the platform has no such clock (the browser). */
export interface DispatchClock {
  /** CPU time of the calling thread and the time it waited runnable on a run queue, µs. */
  thread(): { cpuUs: number; waitUs: number } | null;
  /** CPU time of the whole process (all threads), µs. */
  process(): number | null;
  /** 1-minute load average (null where unknown). */
  load(): number | null;
}

export const NO_CLOCK: DispatchClock = { thread: () => null, process: () => null, load: () => null };

export interface DispatchOverhead {
  workload: Workload;
  mode: 'batched' | 'unbatched';
  /** where it ran: node-dawn or chromium */
  host: string;
  /** dispatches recorded per round */
  dispatches: number;
  /** queue submits per round (recording + the readback) */
  submits: number;
  /** timed rounds (after `warmupRounds` untimed ones) */
  reps: number;
  warmupRounds: number;
  /** bind groups reused from the cache / created, over the timed rounds */
  bindGroupHits: number;
  bindGroupMisses: number;
  /** median over rounds of the recording's wall time per dispatch */
  hostUsPerDispatch: number;
  /** the least disturbed round */
  hostUsPerDispatchBest: number;
  /** 25th / 75th percentiles over rounds */
  hostUsPerDispatchP25: number;
  hostUsPerDispatchP75: number;
  /** median over rounds: (host − run-queue wait) per dispatch, the recording thread's time on a CPU (null without a thread clock) */
  threadCpuUsPerDispatch: number | null;
  /** median over rounds: run-queue wait of the recording thread per dispatch (null without a thread clock) */
  runQueueWaitUsPerDispatch: number | null;
  /** schedstat's run time of the recording thread summed over all timed rounds ÷ their dispatches (cross-check) */
  threadRunUsPerDispatch: number | null;
  /**
   * Median over rounds: process CPU time (user + system, all threads) per dispatch while recording. Batched, nothing
   * executes while recording, so beyond the recording thread this is V8's compiler/GC threads and Dawn's; unbatched it
   * also includes SwiftShader executing the already-submitted dispatches on its worker threads.
   */
  hostCpuUsPerDispatch: number | null;
  /** median over rounds: time until the result is back on the CPU, per dispatch */
  wallUsPerDispatch: number;
  /** 1-minute load average before and after this row's rounds */
  loadAverage: [number | null, number | null];
}

export interface DispatchOptions {
  /** add-chain length (default 400: below the 1024-dispatch batch threshold, so the recording submits nothing) */
  n?: number;
  /** timed rounds per row (default 30) */
  reps?: number;
  /** untimed rounds first (default 10; the first also compiles the pipelines) */
  warmup?: number;
  clock?: DispatchClock;
  host?: string;
  workloads?: Workload[];
  /** the nn module (needed for block-step; without it that workload is skipped) */
  nn?: typeof NnModule;
}

const quantile = (a: number[], q: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
};

interface Prepared {
  /** record one round (synchronously); returns the tensor to read back */
  record(): EngineModule.Tensor;
  dispose(): void;
}

function prepare(engine: typeof EngineModule, nn: typeof NnModule | undefined, w: Workload, n: number): Prepared | null {
  if (w === 'add-chain') {
    const x0 = engine.tensor(new Float32Array(256).fill(1e-3), [256]).keep();
    const one = engine.tensor(new Float32Array(256).fill(1e-3), [256]).keep();
    return {
      record: () => {
        let x = x0;
        for (let i = 0; i < n; i++) x = engine.add(x, one);
        return x;
      },
      dispose: () => {
        x0.dispose();
        one.dispose();
      },
    };
  }
  if (!nn) return null;
  const B = 2, T = 8, D = 32;
  const r = engine.rng(5);
  const block = new nn.DecoderBlock(D, 2, 2 * D, r);
  const opt = new nn.AdamW(block.parameters(), { lr: 1e-3 });
  const h = engine.tensor(engine.randn(B * T * D, 1), [B, T, D]).keep();
  const ctx = engine.tensor(engine.randn(B * T * D, 2), [B, T, D]).keep();
  const w8 = engine.tensor(engine.randn(B * T * D, 3), [B, T, D]).keep();
  return {
    record: () => {
      const loss = engine.sum(engine.mul(block.forward(h, ctx, { causal: true }), w8));
      opt.step(engine.grad(loss, block.parameters()));
      return loss;
    },
    dispose: () => {
      opt.dispose();
      block.dispose();
      for (const t of [h, ctx, w8]) t.dispose();
    },
  };
}

export async function measureDispatchOverhead(
  engine: typeof EngineModule,
  gpu: EngineModule.WebGPUBackend,
  opts: DispatchOptions = {},
): Promise<DispatchOverhead[]> {
  const n = opts.n ?? 400;
  const reps = opts.reps ?? 30;
  const warmup = Math.max(1, opts.warmup ?? 10);
  const clock = opts.clock ?? NO_CLOCK;
  const out: DispatchOverhead[] = [];
  for (const workload of opts.workloads ?? (['add-chain', 'block-step'] as Workload[])) {
    for (const mode of ['unbatched', 'batched'] as const) {
      const be = new engine.WebGPUBackend({ device: gpu.device, info: gpu.info, lost: gpu.device.lost }, { batching: mode === 'batched', maxBatchDispatches: 1024 });
      engine.setBackend(be);
      const w = prepare(engine, opts.nn, workload, n);
      if (!w) continue;
      const host: number[] = [];
      const wall: number[] = [];
      const thread: number[] = [];
      const wait: number[] = [];
      const proc: number[] = [];
      let submits = 0;
      let dispatches = 0;
      let runSum = 0;
      let dispatchSum = 0;
      let h0 = 0;
      let m0 = 0;
      const load0 = clock.load();
      for (let r = 0; r < warmup + reps; r++) {
        if (r === warmup) {
          h0 = be.bindGroupHits;
          m0 = be.bindGroupMisses;
        }
        await be.sync();
        const s0 = be.submits;
        const d0 = be.dispatches;
        await engine.tidyAsync(async () => {
          const th0 = clock.thread();
          const p0 = clock.process();
          const t0 = performance.now();
          const y = w.record();
          const t1 = performance.now();
          const th1 = clock.thread();
          const p1 = clock.process();
          const nd = be.dispatches - d0;
          await y.data();
          const t2 = performance.now();
          if (r >= warmup) {
            host.push(((t1 - t0) * 1000) / nd);
            wall.push(((t2 - t0) * 1000) / nd);
            if (th0 && th1) {
              const waited = th1.waitUs - th0.waitUs;
              thread.push(((t1 - t0) * 1000 - waited) / nd);
              wait.push(waited / nd);
              runSum += th1.cpuUs - th0.cpuUs;
              dispatchSum += nd;
            }
            if (p0 !== null && p1 !== null) proc.push((p1 - p0) / nd);
            submits = be.submits - s0;
            dispatches = nd;
          }
        });
      }
      w.dispose();
      out.push({
        workload,
        mode,
        host: opts.host ?? 'node-dawn',
        dispatches,
        submits,
        reps,
        warmupRounds: warmup,
        bindGroupHits: be.bindGroupHits - h0,
        bindGroupMisses: be.bindGroupMisses - m0,
        hostUsPerDispatch: quantile(host, 0.5),
        hostUsPerDispatchBest: Math.min(...host),
        hostUsPerDispatchP25: quantile(host, 0.25),
        hostUsPerDispatchP75: quantile(host, 0.75),
        threadCpuUsPerDispatch: thread.length ? quantile(thread, 0.5) : null,
        runQueueWaitUsPerDispatch: wait.length ? quantile(wait, 0.5) : null,
        threadRunUsPerDispatch: dispatchSum ? runSum / dispatchSum : null,
        hostCpuUsPerDispatch: proc.length ? quantile(proc, 0.5) : null,
        wallUsPerDispatch: quantile(wall, 0.5),
        loadAverage: [load0, clock.load()],
      });
      be.trim();
    }
  }
  engine.setBackend(gpu);
  return out;
}

const f1 = (x: number | null) => (x === null ? '—' : x.toFixed(1));

export function dispatchTable(rows: DispatchOverhead[]): string {
  return [
    '| host | workload | dispatch path | dispatches | queue submits | host µs / dispatch: median (p25–p75); best | recording thread on-CPU µs / dispatch (host − wait) | run-queue wait µs / dispatch | process CPU µs / dispatch | wall µs / dispatch (to result on CPU) | bind groups reused / created | load (1 min) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.host} | ${r.workload} | ${r.mode} | ${r.dispatches} | ${r.submits} | ${f1(r.hostUsPerDispatch)} (${f1(r.hostUsPerDispatchP25)}–${f1(r.hostUsPerDispatchP75)}); ${f1(r.hostUsPerDispatchBest)} | ` +
        `${f1(r.threadCpuUsPerDispatch)} | ${f1(r.runQueueWaitUsPerDispatch)} | ${f1(r.hostCpuUsPerDispatch)} | ${f1(r.wallUsPerDispatch)} | ${r.bindGroupHits} / ${r.bindGroupMisses} | ` +
        `${r.loadAverage.map((l) => (l === null ? '—' : l.toFixed(1))).join(' → ')} |`,
    ),
  ].join('\n');
}

export function logDispatch(log: (s: string) => void, d: DispatchOverhead): void {
  log(
    `dispatch ${d.workload} ${d.mode}: host ${f1(d.hostUsPerDispatch)} µs median (best ${f1(d.hostUsPerDispatchBest)}), on-CPU ${f1(d.threadCpuUsPerDispatch)} µs, ` +
      `run-queue wait ${f1(d.runQueueWaitUsPerDispatch)} µs, wall ${f1(d.wallUsPerDispatch)} µs per dispatch; ${d.dispatches} dispatches, ${d.submits} submits`,
  );
}
