// The dispatch benchmark's bookkeeping, without timing anything: dispatch and submit counts per round, the bind-group
// cache over repeated rounds, the clock plumbing, and the table. (npm run bench:dispatch never asserts timings.)
import { describe, expect, it } from 'vitest';
import * as engine from '../src/engine/index';
import * as nn from '../src/models/nn';
import { testGpu } from '../src/engine/testing';
import { type DispatchClock, dispatchTable, measureDispatchOverhead } from './dispatch';

describe('bench:dispatch bookkeeping', () => {
  it('counts dispatches and submits per round, reuses bind groups after warm-up, reads the clocks, renders the table', async () => {
    const gpu = await testGpu();
    let cpu = 0;
    let reads = 0;
    const clock: DispatchClock = {
      thread: () => ((reads++, (cpu += 1000)), { cpuUs: cpu, waitUs: cpu / 2 }),
      process: () => cpu,
      load: () => 1.5,
    };
    const rows = await measureDispatchOverhead(engine, gpu, { n: 12, reps: 2, warmup: 2, clock, nn });
    expect(rows.map((r) => `${r.workload}/${r.mode}`)).toEqual(['add-chain/unbatched', 'add-chain/batched', 'block-step/unbatched', 'block-step/batched']);
    const [chainU, chainB, stepU, stepB] = rows;
    expect(chainU.dispatches).toBe(12);
    expect(chainU.submits).toBe(13); // one per dispatch + the readback
    expect(chainB.submits).toBe(1); // the readback
    expect(stepB.dispatches).toBe(stepU.dispatches);
    expect(stepB.submits).toBe(1);
    for (const r of rows) {
      expect(r.bindGroupMisses).toBe(0); // timed rounds after warm-up create no bind group
      expect(r.bindGroupHits).toBe(2 * r.dispatches);
      expect(r.runQueueWaitUsPerDispatch).toBeCloseTo(500 / r.dispatches); // each thread read advances the fake clock 1000 µs
      expect(r.threadRunUsPerDispatch).toBeCloseTo(1000 / r.dispatches);
      // on-CPU = host − wait per round; the fake wait is the same every round, so the medians differ by exactly it
      expect(r.threadCpuUsPerDispatch!).toBeCloseTo(r.hostUsPerDispatch - 500 / r.dispatches, 6);
      expect(r.loadAverage).toEqual([1.5, 1.5]);
      expect(r.hostUsPerDispatchBest).toBeLessThanOrEqual(r.hostUsPerDispatch);
    }
    expect(reads).toBe(2 * 4 * 4); // two reads per round, 4 rounds per row, 4 rows
    const noClock = await measureDispatchOverhead(engine, gpu, { n: 4, reps: 1, warmup: 1, workloads: ['add-chain'] });
    expect(noClock[0].threadCpuUsPerDispatch).toBeNull();
    const table = dispatchTable([...rows, ...noClock]).split('\n');
    expect(table).toHaveLength(2 + rows.length + noClock.length);
    expect(table[2 + rows.length]).toContain('| — | — | — |');
  });
});
