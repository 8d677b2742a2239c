import { describe, expect, it } from 'vitest';
import { initCpu, rng } from '../engine';
import { createRng } from '../math/rng';
import { ResidualQuantizer } from './residual-quantizer';

const cfg = (deadAfter: number) => ({ levels: 2, codebookSize: 3, dim: 2, kmeansIters: 20, deadAfter });

/** 3 well separated clusters in 2-d, each point = centre + a small offset from a 4-point pattern. */
function clustered(): { z: Float32Array; B: number; centres: number[][] } {
  const centres = [
    [0, 0],
    [6, 0],
    [0, 6],
  ];
  const offs = [
    [0.5, 0],
    [-0.5, 0],
    [0, 0.25],
    [0, -0.25],
  ];
  const z: number[] = [];
  for (let i = 0; i < 60; i++) z.push(centres[i % 3][0] + offs[i % 4][0], centres[i % 3][1] + offs[i % 4][1]);
  return { z: Float32Array.from(z), B: 60, centres };
}

describe('ResidualQuantizer: k-means init, dead-code re-seeding, EMA', () => {
  it('initFromBatch: level 1 = the cluster means of the given latents, level 2 = k-means of the residuals', async () => {
    initCpu();
    const q = new ResidualQuantizer(cfg(0), rng(1));
    const { z, B, centres } = clustered();
    await q.initFromBatch(z, B, 0);
    const c0 = Array.from((await q.codebooks[0].data()) as Float32Array);
    const got = [0, 1, 2].map((k) => [c0[2 * k], c0[2 * k + 1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const want = [...centres].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let k = 0; k < 3; k++) for (let j = 0; j < 2; j++) expect(got[k][j]).toBeCloseTo(want[k][j], 4);
    // residuals are the 4 offsets (±0.5, 0), (0, ±0.25); level 2 has 3 codewords: norms ≤ 0.5, not the 0.01-std random init
    const c1 = Array.from((await q.codebooks[1].data()) as Float32Array);
    const norms = [0, 1, 2].map((k) => Math.hypot(c1[2 * k], c1[2 * k + 1]));
    expect(Math.max(...norms)).toBeGreaterThan(0.2);
    expect(Math.max(...norms)).toBeLessThanOrEqual(0.5 + 1e-5);
    q.dispose();
  });

  it('re-seeding: only codewords unused for deadAfter steps are replaced, by residual rows of the batch; the init restarts the clock', async () => {
    initCpu();
    const q = new ResidualQuantizer(cfg(5), rng(2));
    const { z, B } = clustered();
    await q.initFromBatch(z, B, 0, 100); // initialised at step 100: nothing is dead at step 104
    const before = Array.from((await q.codebooks[0].data()) as Float32Array);
    const codes = [Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 2, 0])];
    const residuals = Float32Array.from({ length: 2 * 4 * 2 }, (_, i) => 100 + i); // (D·B, L), level-major
    const r = createRng(3);
    expect(await q.trackAndReseed(104, codes, async () => residuals, r)).toEqual([0, 0]);
    // codeword 2 of level 1 was last used at the init (step 100): dead at step 105; level 2 used all three at 104
    const n = await q.trackAndReseed(105, codes, async () => residuals, r);
    expect(n).toEqual([1, 0]);
    expect(q.reseeded).toEqual([1, 0]);
    const after = Array.from((await q.codebooks[0].data()) as Float32Array);
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4)); // used codewords untouched
    const row = after.slice(4, 6);
    const rows = [0, 1, 2, 3].map((i) => [residuals[2 * i], residuals[2 * i + 1]]);
    expect(rows.some((x) => x[0] === row[0] && x[1] === row[1])).toBe(true); // a level-1 residual row of this batch
    q.dispose();
  });

  it('EMA update moves each used codeword towards the mean of its assigned residuals; unused ones stay', async () => {
    initCpu();
    const q = new ResidualQuantizer({ ...cfg(0), levels: 1 }, rng(4));
    const { z, B } = clustered();
    await q.initFromBatch(z, B, 0);
    const c = Array.from((await q.codebooks[0].data()) as Float32Array);
    // use the codeword at the origin cluster; watch the two others (both far from the origin)
    const used = [0, 1, 2].find((k) => Math.hypot(c[2 * k], c[2 * k + 1]) < 1)!;
    const target = [c[2 * used] + 1, c[2 * used + 1] - 1];
    const res = Float32Array.from([...target, ...target]);
    for (let t = 0; t < 300; t++) await q.emaUpdate([Int32Array.from([used, used])], res, 0.9);
    const c2 = Array.from((await q.codebooks[0].data()) as Float32Array);
    expect(c2[2 * used]).toBeCloseTo(target[0], 2);
    expect(c2[2 * used + 1]).toBeCloseTo(target[1], 2);
    // never-assigned codewords: count and sum decay together (then below 1e-6 the value is frozen): they stay put
    for (const k of [0, 1, 2].filter((k) => k !== used)) {
      expect(Math.hypot(c[2 * k], c[2 * k + 1])).toBeGreaterThan(5);
      expect(c2[2 * k]).toBeCloseTo(c[2 * k], 3);
      expect(c2[2 * k + 1]).toBeCloseTo(c[2 * k + 1], 3);
    }
    q.dispose();
  });
});
