// Host cost per kernel dispatch, batched (one command encoder, submitted at the readback) vs unbatched (one submit per
// dispatch, the pre-batching engine), on the same device. Used by `npm run bench:kernels` (Node/Dawn half).
// Workload: a chain of `n` small elementwise adds (256 floats: the GPU work is negligible, so the time is overhead).
// "host µs/dispatch" = time to record/submit the chain on the CPU (until the loop returns) / n;
// "wall µs/dispatch" = time until the result is back on the CPU / n.
import type * as EngineModule from '../src/engine/index';

export interface DispatchOverhead {
  mode: 'batched' | 'unbatched';
  /** bind groups reused from the cache / created, over the timed rounds */
  bindGroupHits: number;
  bindGroupMisses: number;
  dispatches: number;
  submits: number;
  hostUsPerDispatch: number;
  /** best round: the machine is shared, the minimum is the least disturbed figure */
  hostUsPerDispatchBest: number;
  /**
   * Process CPU time (user + system, all threads) per dispatch while recording — robust to other processes' load.
   * Batched, nothing executes while recording, so this is the host cost; unbatched it also includes SwiftShader
   * executing the already-submitted dispatches on its worker threads.
   */
  hostCpuUsPerDispatch: number;
  wallUsPerDispatch: number;
  reps: number;
}

export async function measureDispatchOverhead(
  engine: typeof EngineModule,
  gpu: EngineModule.WebGPUBackend,
  opts: { n?: number; reps?: number } = {},
): Promise<DispatchOverhead[]> {
  const n = opts.n ?? 400;
  const reps = opts.reps ?? 5;
  const out: DispatchOverhead[] = [];
  for (const mode of ['unbatched', 'batched'] as const) {
    const be = new engine.WebGPUBackend({ device: gpu.device, info: gpu.info, lost: gpu.device.lost }, { batching: mode === 'batched', maxBatchDispatches: 1024 });
    engine.setBackend(be);
    const host: number[] = [];
    const wall: number[] = [];
    const cpu: number[] = [];
    let submits = 0;
    let h0 = 0;
    let m0 = 0;
    for (let r = 0; r < reps + 1; r++) {
      if (r === 1) {
        h0 = be.bindGroupHits;
        m0 = be.bindGroupMisses;
      }
      const s0 = be.submits;
      await engine.tidyAsync(async () => {
        let x = engine.tensor(new Float32Array(256).fill(1e-3), [256]);
        const one = engine.tensor(new Float32Array(256).fill(1e-3), [256]);
        await be.sync();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < n; i++) x = engine.add(x, one);
        const t1 = performance.now();
        const c1 = process.cpuUsage(c0);
        await x.data();
        const t2 = performance.now();
        if (r > 0) {
          // the first round compiles the pipeline: untimed
          host.push(((t1 - t0) * 1000) / n);
          cpu.push((c1.user + c1.system) / n);
          wall.push(((t2 - t0) * 1000) / n);
          submits = be.submits - s0;
        }
      });
    }
    const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
    out.push({
      mode,
      dispatches: n,
      submits,
      hostUsPerDispatch: med(host),
      hostUsPerDispatchBest: Math.min(...host),
      hostCpuUsPerDispatch: med(cpu),
      wallUsPerDispatch: med(wall),
      reps,
      bindGroupHits: be.bindGroupHits - h0,
      bindGroupMisses: be.bindGroupMisses - m0,
    });
  }
  engine.setBackend(gpu);
  return out;
}

export function dispatchTable(rows: DispatchOverhead[]): string {
  return [
    '| dispatch path | dispatches | queue submits | host µs / dispatch (median; best) | process CPU µs / dispatch while recording | wall µs / dispatch (to result on CPU) | bind groups reused / created |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.dispatches} | ${r.submits} | ${r.hostUsPerDispatch.toFixed(1)}; ${r.hostUsPerDispatchBest.toFixed(1)} | ${r.hostCpuUsPerDispatch.toFixed(1)} | ${r.wallUsPerDispatch.toFixed(1)} | ${r.bindGroupHits} / ${r.bindGroupMisses} |`,
    ),
  ].join('\n');
}
