// Embedding lookup (row gather) and its backward, a deterministic scatter-add into the table gradient.
// Kernels: kernels/embedding.wgsl (forward); backward: kernels/radix-{init,hist,scatter}.wgsl + kernels/exclusive-scan.wgsl
// (a stable radix sort of the positions by index), kernels/row-bounds.wgsl and kernels/scatter-add.wgsl (per-output sums).
//
// Out-of-range indices: the CPU reference throws a clear Error; the GPU kernel cannot throw, so it writes a zero row
// (and the backward drops that position's gradient). Validate indices on the host where they come from the host.
//
// Backward design (why not atomics): WGSL has no f32 atomics; a compare-exchange loop on u32-bitcast floats works
// but sums in a different order on every run (non-reproducible training) and serialises on hot rows (padding).
// We instead sort the positions by index on the GPU with a stable LSD radix sort (8-bit digits: 1 pass for V ≤ 255,
// 2 for V ≤ 65535, 3 up to 2^24; each pass = histogram, one-workgroup scan, stable scatter), find each row's run in
// the sorted keys (one binary search per row), and let each thread own one output (v, j), summing its row's g rows
// in ascending position order.
// Bitwise deterministic, the same summation order as the CPU reference, O(N) work per pass however often an index
// repeats. Measured on SwiftShader (N = 12800 positions, V = 10000, d = 64): ~0.7 s with distinct, half-padding or
// all-identical indices; a first version that ranked positions by counting within each bucket (Σ count² work) took
// 8.7 s in the all-identical case. Dispatches: 3 per radix pass + 3 (6 for V ≤ 255, 9 for V ≤ 65535).
import embeddingSrc from '../../../kernels/embedding.wgsl?raw';
import initSrc from '../../../kernels/radix-init.wgsl?raw';
import histSrc from '../../../kernels/radix-hist.wgsl?raw';
import scanSrc from '../../../kernels/exclusive-scan.wgsl?raw';
import radixScatterSrc from '../../../kernels/radix-scatter.wgsl?raw';
import boundsSrc from '../../../kernels/row-bounds.wgsl?raw';
import scatterSrc from '../../../kernels/scatter-add.wgsl?raw';
import { sizeOf } from '../backend';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { grid1d } from '../webgpu-backend';
import { dispatch1d, kernel } from './util';

export const embeddingDef: OpDef<Record<string, never>> = {
  name: 'embedding',
  outputs: ([table, idx]) => {
    if (table.shape.length !== 2 || table.dtype !== 'f32') {
      throw new Error(`embedding: table must be f32 of shape (V, d), got ${table.dtype} ${shapeStr(table.shape)}`);
    }
    if (idx.dtype !== 'i32') throw new Error(`embedding: indices must be i32, got ${idx.dtype} ${shapeStr(idx.shape)}`);
    return [{ shape: [...idx.shape, table.shape[1]], dtype: 'f32' }];
  },
  cpu: ([table, idx], [out], _a, m) => {
    const [V, d] = m.inputs[0].shape;
    for (let n = 0; n < idx.length; n++) {
      const v = idx[n];
      if (!(v >= 0 && v < V)) throw new Error(`embedding: index ${v} at position ${n} is out of range [0, ${V})`);
      out.set(table.subarray(v * d, v * d + d), n * d);
    }
  },
  webgpu: (be, [table, idx], [out], _a, m) => {
    const [V, d] = m.inputs[0].shape;
    const total = out.size;
    const { grid, gx } = dispatch1d(be, total);
    be.run(kernel('embedding', [embeddingSrc]), [table, idx, out], [total, d, V, gx], grid);
  },
  wasm: (be, [table, idx], [out], _a, m) => {
    const [V, d] = m.inputs[0].shape;
    const bad = be.k.embedding_gather(be.ptr(table), be.ptr(idx), be.ptr(out), idx.size, d, V);
    if (bad >= 0) throw new Error(`embedding: index ${be.arr(idx)[bad]} at position ${bad} is out of range [0, ${V})`);
  },
  backward: ({ inputs: [table, idx], grads: [g] }) => [table.requiresGrad ? embeddingGrad(g!, idx, table.shape[0]) : null, null],
};

/** Attrs of the backward: the number of table rows V. */
export interface EmbeddingGradAttrs {
  V: number;
}

export const embeddingGradDef: OpDef<EmbeddingGradAttrs> = {
  name: 'embeddingGrad',
  outputs: ([g, idx], { V }) => {
    const d = g.shape[g.shape.length - 1];
    const lead = g.shape.slice(0, -1);
    if (g.dtype !== 'f32' || idx.dtype !== 'i32' || lead.length !== idx.shape.length || lead.some((s, i) => s !== idx.shape[i])) {
      throw new Error(`embeddingGrad: grad ${shapeStr(g.shape)} does not match indices ${shapeStr(idx.shape)} + [d]`);
    }
    return [{ shape: [V, d], dtype: 'f32' }];
  },
  cpu: ([g, idx], [out], { V }, m) => {
    const d = m.outputs[0].shape[1];
    out.fill(0);
    // ascending positions, f32 accumulation: the same order (and rounding) as the GPU kernel
    for (let n = 0; n < idx.length; n++) {
      const v = idx[n];
      if (!(v >= 0 && v < V)) continue;
      for (let j = 0; j < d; j++) out[v * d + j] += g[n * d + j];
    }
  },
  webgpu: (be, [g, idx], [out], { V }, m) => {
    const d = m.outputs[0].shape[1];
    const N = sizeOf(m.inputs[1].shape);
    const total = V * d;
    if (N === 0 || d === 0) {
      be.write(out, new Float32Array(total));
      return;
    }
    // sort keys: out-of-range indices become the sentinel V, so the digits must cover 0..V
    const passes = Math.max(1, Math.ceil(Math.ceil(Math.log2(V + 1)) / 8));
    const nblocks = Math.ceil(N / 256);
    let keys = be.alloc(N, 'i32');
    let pos = be.alloc(N, 'i32');
    let keys2 = be.alloc(N, 'i32');
    let pos2 = be.alloc(N, 'i32');
    const hist = be.alloc(256 * nblocks, 'i32');
    const offsets = be.alloc(256 * nblocks + 1, 'i32');
    const byPos = dispatch1d(be, N);
    be.run(kernel('radix-init', [initSrc]), [idx, keys, pos], [N, V, byPos.gx, 0], byPos.grid);
    const byBlock = grid1d(nblocks, be.info.limits.maxComputeWorkgroupsPerDimension ?? 65535);
    for (let pass = 0; pass < passes; pass++) {
      const params = [N, 8 * pass, nblocks, byBlock[0]];
      be.run(kernel('radix-hist', [histSrc]), [keys, hist], params, byBlock);
      be.run(kernel('exclusive-scan', [scanSrc]), [hist, offsets], [256 * nblocks, 0, 0, 0], [1]);
      be.run(kernel('radix-scatter', [radixScatterSrc]), [keys, pos, offsets, keys2, pos2], params, byBlock);
      [keys, keys2] = [keys2, keys];
      [pos, pos2] = [pos2, pos];
    }
    const bounds = be.alloc(V + 1, 'i32');
    const byRow = dispatch1d(be, V + 1);
    be.run(kernel('row-bounds', [boundsSrc]), [keys, bounds], [N, V, byRow.gx, 0], byRow.grid);
    const byOut = dispatch1d(be, total);
    be.run(kernel('scatter-add', [scatterSrc]), [bounds, pos, g, out], [total, d, byOut.gx, 0], byOut.grid);
    // Reuse is stream-ordered: later writers of these pooled buffers are recorded after the dispatches above.
    for (const s of [keys, pos, keys2, pos2, hist, offsets, bounds]) be.release(s);
  },
  wasm: (be, [g, idx], [out], { V }, m) => {
    be.k.embedding_scatter_add(be.ptr(g), be.ptr(idx), be.ptr(out), idx.size, m.outputs[0].shape[1], V);
  },
  backward: 'nondiff',
};

/** Rows of `table` (V, d) at integer `idx` (any shape) -> (...idx.shape, d). Differentiable w.r.t. the table. */
export function embedding(table: Tensor, idx: Tensor): Tensor {
  return runOp(embeddingDef, [table, idx], {})[0];
}

/** The table gradient (V, d) of an embedding lookup: Σ of `g` rows per index (deterministic scatter-add). */
export function embeddingGrad(g: Tensor, idx: Tensor, V: number): Tensor {
  return runOp(embeddingGradDef, [g, idx], { V })[0];
}
