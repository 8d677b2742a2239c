// layerNorm(x, weight, bias, eps) over the last axis: y = (x − mean) / sqrt(var + eps) · weight + bias (biased variance,
// PyTorch's nn.LayerNorm). Fused forward kernel; fused backward kernel for dx, and a deterministic two-stage reduction
// for dweight/dbias (per-chunk partial sums over rows, then ops/reduce's sum over chunks — no atomics).
// Kernel: kernels/layernorm.wgsl (row-wise, variants in ops/rows.ts); wasm: wasm/layernorm.c.
import fileSrc from '../../../kernels/layernorm.wgsl?raw';
import rowStats from '../../../kernels/row-stats.wgsl?raw';
import colPartial from '../../../kernels/col-partial.wgsl?raw';
import rowThread from '../../../kernels/row-thread.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32, grid1d } from '../webgpu-backend';
import { f32meta, kernel } from './util';
import { pickRowVariant, rowsCols, runRows, type RowVariant } from './rows';
import { encodeReduce } from './reduce';

/** The kernel file with the shared row statistics and column-partial grid (one WGSL module). */
const src = [rowStats, colPartial, fileSrc].join('\n');

interface LnAttrs {
  eps: number;
  /** Force a kernel variant (tests); default from `pickRowVariant`. */
  variant?: RowVariant;
}

/** Rows per partial sum of the weight/bias gradients. */
const DW_CHUNK = 64;

function statsCpu(x: ArrayLike<number>, base: number, D: number, eps: number): [number, number] {
  let s = 0;
  for (let c = 0; c < D; c++) s += x[base + c];
  const mu = s / D;
  let v = 0;
  for (let c = 0; c < D; c++) v += (x[base + c] - mu) ** 2;
  return [mu, 1 / Math.sqrt(v / D + eps)];
}

export const layerNormDef: OpDef<LnAttrs> = {
  name: 'layerNorm',
  outputs: ([x, w, b]) => {
    const D = x.shape[x.shape.length - 1];
    const ok = (t: typeof w) => t.dtype === 'f32' && t.shape.length === 1 && t.shape[0] === D;
    if (x.dtype !== 'f32' || x.shape.length === 0 || !ok(w) || !ok(b)) {
      throw new Error(`layerNorm: x (..., D), weight (D) and bias (D) f32 required, got ${shapeStr(x.shape)}, ${shapeStr(w.shape)} and ${shapeStr(b.shape)}`);
    }
    return [f32meta(x.shape)];
  },
  cpu: ([x, w, b], [y], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    for (let r = 0; r < rows; r++) {
      const o = r * D;
      const [mu, rs] = statsCpu(x, o, D, eps);
      for (let c = 0; c < D; c++) y[o + c] = (x[o + c] - mu) * rs * w[c] + b[c];
    }
  },
  webgpu: (be, [x, w, b], [y], { eps, variant }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, D);
    runRows(be, { name: 'layernorm', src, entry: 'forward', rows, variant: v, buffers: [x, w, b, y], params: (gx) => [rows, D, gx, f32(eps), 0, 0] });
  },
  wasm: (be, [x, w, b], [y], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    be.k.layernorm_rows(be.ptr(x), be.ptr(w), be.ptr(b), be.ptr(y), rows, D, eps);
  },
  backward: ({ inputs: [x, w, b], grads: [g], attrs }) => {
    const [dx, dw, db] = runOp(layerNormGradDef, [x, w, g!], attrs);
    return [x.requiresGrad ? dx : null, w.requiresGrad ? dw : null, b.requiresGrad ? db : null];
  },
};

/** Fused backward: [dx (..., D), dweight (D), dbias (D)] from x, weight and the upstream gradient. */
export const layerNormGradDef: OpDef<LnAttrs> = {
  name: 'layerNormGrad',
  outputs: ([x, w]) => [f32meta(x.shape), f32meta(w.shape), f32meta(w.shape)],
  cpu: ([x, w, g], [dx, dw, db], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const aw = new Float64Array(D);
    const ab = new Float64Array(D);
    for (let r = 0; r < rows; r++) {
      const o = r * D;
      const [mu, rs] = statsCpu(x, o, D, eps);
      let s1 = 0, s2 = 0;
      for (let c = 0; c < D; c++) {
        const gh = g[o + c] * w[c];
        s1 += gh;
        s2 += gh * (x[o + c] - mu) * rs;
      }
      s1 /= D;
      s2 /= D;
      for (let c = 0; c < D; c++) {
        const xh = (x[o + c] - mu) * rs;
        dx[o + c] = rs * (g[o + c] * w[c] - s1 - xh * s2);
        aw[c] += g[o + c] * xh;
        ab[c] += g[o + c];
      }
    }
    dw.set(aw);
    db.set(ab);
  },
  webgpu: (be, [x, w, g], [dx, dw, db], { eps, variant }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, D);
    const nchunks = Math.max(1, Math.ceil(rows / DW_CHUNK));
    const stats = be.alloc(Math.max(1, 2 * rows), 'f32');
    const partW = be.alloc(nchunks * D, 'f32');
    const partB = be.alloc(nchunks * D, 'f32');
    runRows(be, { name: 'layernorm', src, entry: 'backward', rows, variant: v, buffers: [x, w, g, dx, stats], params: (gx) => [rows, D, gx, f32(eps), DW_CHUNK, nchunks] });
    const grid = grid1d(Math.ceil((nchunks * D) / 64), be.info.limits.maxComputeWorkgroupsPerDimension);
    const spec = kernel('layernorm:dwb_partial', [rowThread, src], {}, 'dwb_partial');
    be.run(spec, [x, g, stats, partW, partB], [rows, D, grid[0], f32(eps), DW_CHUNK, nchunks], grid);
    encodeReduce(be, 'sum', partW, dw, null, { outer: 1, red: nchunks, inner: D });
    encodeReduce(be, 'sum', partB, db, null, { outer: 1, red: nchunks, inner: D });
    // queue order keeps the dispatches above ahead of any later reuse of these pooled buffers
    be.release(stats);
    be.release(partW);
    be.release(partB);
  },
  wasm: (be, [x, w, g], [dx, dw, db], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    be.k.layernorm_grad_rows(be.ptr(x), be.ptr(w), be.ptr(g), be.ptr(dx), be.ptr(dw), be.ptr(db), rows, D, eps);
  },
  backward: 'nondiff',
};

/** LayerNorm over the last axis (PyTorch nn.LayerNorm semantics, biased variance). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5, variant?: RowVariant): Tensor {
  return runOp(layerNormDef, [x, weight, bias], { eps, variant })[0];
}
