// Data movement: transpose (general permutation, rank ≤ 4), concat, slice, cast. Copies move raw 32-bit words,
// so transpose/concat/slice work on f32 and i32 tensors (gradients only flow through f32 ones).
// Kernels: kernels/transpose.wgsl, kernels/concat-slice.wgsl, kernels/cast.wgsl; wasm: wasm/shape.c.
import transposeSrc from '../../../kernels/transpose.wgsl?raw';
import concatSliceSrc from '../../../kernels/concat-slice.wgsl?raw';
import castSrc from '../../../kernels/cast.wgsl?raw';
import { sizeOf, type DType, type Storage, type TensorMeta } from '../backend';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { isGradEnabled, runOp, type Tensor } from '../tensor';
import type { WebGPUBackend } from '../webgpu-backend';
import type { WasmBackend } from '../wasm-backend';
import { contiguousStrides, dispatch1d, kernel, pad4 } from './util';

function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new Error(`${op}: axis ${axis} out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Rows before `axis` and words per unit step along `axis` (the product of the later dims). */
function around(shape: readonly number[], axis: number) {
  return { outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) };
}

// ------------------------------------------------------------------ transpose

interface TransposeAttrs {
  perm: number[];
}

/** Input strides in output axis order, padded to rank 4 (what the kernel and the CPU reference index with). */
function permutedStrides4(inShape: readonly number[], perm: number[]): number[] {
  const st = contiguousStrides(inShape);
  return [...new Array(4 - perm.length).fill(0), ...perm.map((a) => st[a])];
}

export const transposeDef: OpDef<TransposeAttrs> = {
  name: 'transpose',
  outputs: ([x], { perm }) => {
    const r = x.shape.length;
    if (r > 4 || perm.length !== r || [...perm].sort((a, b) => a - b).some((a, i) => a !== i)) {
      throw new Error(`transpose: perm [${perm}] is not a permutation of the axes of ${shapeStr(x.shape)} (rank ≤ 4)`);
    }
    return [{ shape: perm.map((a) => x.shape[a]), dtype: x.dtype }];
  },
  cpu: ([x], [out], { perm }, m) => {
    const o = pad4(m.outputs[0].shape);
    const st = permutedStrides4(m.inputs[0].shape, perm);
    let i = 0;
    for (let a = 0; a < o[0]; a++)
      for (let b = 0; b < o[1]; b++)
        for (let c = 0; c < o[2]; c++) for (let d = 0; d < o[3]; d++) out[i++] = x[a * st[0] + b * st[1] + c * st[2] + d * st[3]];
  },
  webgpu: (be, [x], [out], { perm }, m) => {
    const n = out.size;
    const { grid, gx } = dispatch1d(be, n);
    be.run(kernel('transpose', [transposeSrc]), [x, out], [...pad4(m.outputs[0].shape), ...permutedStrides4(m.inputs[0].shape, perm), n, gx], grid);
  },
  wasm: (be, [x], [out], { perm }, m) => {
    const [o0, o1, o2, o3] = pad4(m.outputs[0].shape);
    const [s0, s1, s2, s3] = permutedStrides4(m.inputs[0].shape, perm);
    be.k.transpose4(be.ptr(x), be.ptr(out), o0, o1, o2, o3, s0, s1, s2, s3);
  },
  backward: ({ grads: [g], attrs: { perm } }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((a, i) => (inv[a] = i));
    return [transpose(g!, inv)];
  },
};

/** Permute axes: output axis i is input axis perm[i] (negative entries allowed). Rank ≤ 4. */
export function transpose(x: Tensor, perm: number[]): Tensor {
  return runOp(transposeDef, [x], { perm: perm.map((a) => (a < 0 ? a + x.rank : a)) })[0];
}

// ------------------------------------------------------------------ block copies (concat, slice, pad)

interface Block {
  outer: number;
  width: number;
  srcRow: number;
  srcOff: number;
  dstRow: number;
  dstOff: number;
}

function copyBlockCpu(src: ArrayLike<number>, dst: { [i: number]: number }, b: Block): void {
  for (let o = 0; o < b.outer; o++) for (let c = 0; c < b.width; c++) dst[o * b.dstRow + b.dstOff + c] = src[o * b.srcRow + b.srcOff + c];
}

function blockGpu(be: WebGPUBackend, entry: 'copy_block' | 'pad', src: Storage, dst: Storage, b: Block): void {
  const n = entry === 'copy_block' ? b.outer * b.width : b.outer * b.dstRow;
  const { grid, gx } = dispatch1d(be, n);
  const spec = kernel(`concat-slice:${entry}`, [concatSliceSrc], {}, entry);
  be.run(spec, [src, dst], [b.outer, b.width, b.srcRow, b.srcOff, b.dstRow, b.dstOff, n, gx], grid);
}

function blockWasm(be: WasmBackend, src: Storage, dst: Storage, b: Block): void {
  if (b.outer * b.width > 0) be.k.copy_block(be.ptr(src), be.ptr(dst), b.outer, b.width, b.srcRow, b.srcOff, b.dstRow, b.dstOff);
}

// ------------------------------------------------------------------ concat

function concatMeta(metas: TensorMeta[], axis: number): TensorMeta {
  if (metas.length === 0) throw new Error('concat: no inputs');
  const [first] = metas;
  const r = first.shape.length;
  const ok = metas.every((m) => m.dtype === first.dtype && m.shape.length === r && m.shape.every((d, i) => i === axis || d === first.shape[i]));
  if (!ok) throw new Error(`concat: inputs ${metas.map((m) => `${shapeStr(m.shape)}:${m.dtype}`).join(', ')} differ off axis ${axis}`);
  const shape = [...first.shape];
  shape[axis] = metas.reduce((a, m) => a + m.shape[axis], 0);
  return { shape, dtype: first.dtype };
}

/** One block per input: its rows placed at the running offset along `axis`. */
function concatBlocks(metas: TensorMeta[], axis: number): Block[] {
  const out = concatMeta(metas, axis);
  const { outer, inner } = around(out.shape, axis);
  let off = 0;
  return metas.map((m) => {
    const width = m.shape[axis] * inner;
    const b = { outer, width, srcRow: width, srcOff: 0, dstRow: out.shape[axis] * inner, dstOff: off * inner };
    off += m.shape[axis];
    return b;
  });
}

export const concatDef: OpDef<{ axis: number }> = {
  name: 'concat',
  outputs: (metas, { axis }) => [concatMeta(metas, axis)],
  cpu: (xs, [out], { axis }, m) => concatBlocks(m.inputs, axis).forEach((b, k) => copyBlockCpu(xs[k], out, b)),
  webgpu: (be, xs, [out], { axis }, m) => concatBlocks(m.inputs, axis).forEach((b, k) => blockGpu(be, 'copy_block', xs[k], out, b)),
  wasm: (be, xs, [out], { axis }, m) => concatBlocks(m.inputs, axis).forEach((b, k) => blockWasm(be, xs[k], out, b)),
  backward: ({ inputs, grads: [g], attrs: { axis } }) => {
    let off = 0;
    return inputs.map((x) => {
      const start = off;
      off += x.shape[axis];
      return x.requiresGrad ? slice(g!, axis, start, off) : null;
    });
  },
};

/** Concatenate tensors of equal shape (except along `axis`) and dtype. */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: no inputs');
  return runOp(concatDef, xs, { axis: normAxis('concat', axis, xs[0].rank) })[0];
}

// ------------------------------------------------------------------ slice and its backward (pad)

interface SliceAttrs {
  axis: number;
  start: number;
  end: number;
}

function sliceBlock(inShape: readonly number[], { axis, start, end }: SliceAttrs): Block {
  const { outer, inner } = around(inShape, axis);
  const width = (end - start) * inner;
  return { outer, width, srcRow: inShape[axis] * inner, srcOff: start * inner, dstRow: width, dstOff: 0 };
}

export const sliceDef: OpDef<SliceAttrs> = {
  name: 'slice',
  outputs: ([x], { axis, start, end }) => {
    const shape = [...x.shape];
    shape[axis] = end - start;
    return [{ shape, dtype: x.dtype }];
  },
  cpu: ([x], [out], a, m) => copyBlockCpu(x, out, sliceBlock(m.inputs[0].shape, a)),
  webgpu: (be, [x], [out], a, m) => blockGpu(be, 'copy_block', x, out, sliceBlock(m.inputs[0].shape, a)),
  wasm: (be, [x], [out], a, m) => blockWasm(be, x, out, sliceBlock(m.inputs[0].shape, a)),
  backward: ({ inputs: [x], grads: [g], attrs }) => [runOp(slicePadDef, [g!], { ...attrs, shape: x.shape })[0]],
};

/** The backward of slice: g placed at [start, end) along `axis` of a zero tensor of `shape`. */
export const slicePadDef: OpDef<SliceAttrs & { shape: readonly number[] }> = {
  name: 'slicePad',
  outputs: ([g], { shape }) => [{ shape: [...shape], dtype: g.dtype }],
  cpu: ([g], [out], a) => {
    out.fill(0);
    const b = sliceBlock(a.shape, a);
    copyBlockCpu(g, out, { ...b, srcRow: b.dstRow, srcOff: 0, dstRow: b.srcRow, dstOff: b.srcOff });
  },
  webgpu: (be, [g], [out], a) => {
    const b = sliceBlock(a.shape, a);
    blockGpu(be, 'pad', g, out, { ...b, srcRow: b.dstRow, srcOff: 0, dstRow: b.srcRow, dstOff: b.srcOff });
  },
  wasm: (be, [g], [out], a) => {
    be.k.fill_zero(be.ptr(out), out.size);
    const b = sliceBlock(a.shape, a);
    blockWasm(be, g, out, { ...b, srcRow: b.dstRow, srcOff: 0, dstRow: b.srcRow, dstOff: b.srcOff });
  },
  backward: ({ grads: [g], attrs: { axis, start, end } }) => [slice(g!, axis, start, end)],
};

/** Elements [start, end) along `axis` (negative axis/start/end count from the end, as in Python). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis('slice', axis, x.rank);
  const len = x.shape[ax];
  const s = start < 0 ? start + len : start;
  const e = end < 0 ? end + len : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > len || s > e) {
    throw new Error(`slice: [${start}, ${end}) is not a range of axis ${ax} (length ${len}) of ${shapeStr(x.shape)}`);
  }
  return runOp(sliceDef, [x], { axis: ax, start: s, end: e })[0];
}

// ------------------------------------------------------------------ writeSlice (in place; KV caches)

interface WriteSliceAttrs {
  axis: number;
  offset: number;
}

function writeBlock(dstShape: readonly number[], srcShape: readonly number[], { axis, offset }: WriteSliceAttrs): Block {
  const { outer, inner } = around(dstShape, axis);
  const width = srcShape[axis] * inner;
  return { outer, width, srcRow: width, srcOff: 0, dstRow: dstShape[axis] * inner, dstOff: offset * inner };
}

/**
 * In place: dst[..., offset : offset + src.shape[axis], ...] = src along `axis` (every other dim equal). No outputs, no
 * gradient (cache tensors are filled under noGrad). Reuses the slice/concat block copy (kernels/concat-slice.wgsl).
 */
export const writeSliceDef: OpDef<WriteSliceAttrs> = {
  name: 'writeSlice',
  outputs: ([dst, src], { axis, offset }) => {
    const ok =
      dst.dtype === src.dtype &&
      dst.shape.length === src.shape.length &&
      dst.shape.every((d, i) => i === axis || d === src.shape[i]) &&
      Number.isInteger(offset) &&
      offset >= 0 &&
      offset + src.shape[axis] <= dst.shape[axis];
    if (!ok) {
      throw new Error(`writeSlice: cannot write ${shapeStr(src.shape)}:${src.dtype} into ${shapeStr(dst.shape)}:${dst.dtype} at offset ${offset} of axis ${axis}`);
    }
    return [];
  },
  cpu: ([dst, src], _out, a, m) => copyBlockCpu(src, dst, writeBlock(m.inputs[0].shape, m.inputs[1].shape, a)),
  webgpu: (be, [dst, src], _out, a, m) => {
    const b = writeBlock(m.inputs[0].shape, m.inputs[1].shape, a);
    if (b.outer * b.width > 0) blockGpu(be, 'copy_block', src, dst, b);
  },
  wasm: (be, [dst, src], _out, a, m) => blockWasm(be, src, dst, writeBlock(m.inputs[0].shape, m.inputs[1].shape, a)),
  backward: 'nondiff',
};

/** Overwrite `dst` in place along `axis` from `offset` with `src` (preallocated KV caches). Returns `dst`. */
export function writeSlice(dst: Tensor, src: Tensor, axis: number, offset: number): Tensor {
  if (src.requiresGrad && isGradEnabled()) throw new Error('writeSlice: src requires a gradient; fill caches under noGrad');
  runOp(writeSliceDef, [dst, src], { axis: normAxis('writeSlice', axis, dst.rank), offset });
  return dst;
}

// ------------------------------------------------------------------ cast

export const castDef: OpDef<{ dtype: DType }> = {
  name: 'cast',
  outputs: ([x], { dtype }) => [{ shape: [...x.shape], dtype }],
  cpu: ([x], [out], { dtype }) => {
    if (dtype === 'f32' || x instanceof Int32Array) out.set(x);
    // truncate toward zero and saturate like the WGSL conversion: to [-2^31, 2^31 - 128], the largest f32 below 2^31
    // (NaN → 0 here; unspecified on the GPU)
    else for (let i = 0; i < x.length; i++) out[i] = Math.max(-2147483648, Math.min(2147483520, Math.trunc(x[i]) || 0));
  },
  webgpu: (be, [x], [out], { dtype }, m) => {
    const n = out.size;
    if (m.inputs[0].dtype === dtype) {
      blockGpu(be, 'copy_block', x, out, { outer: 1, width: n, srcRow: n, srcOff: 0, dstRow: n, dstOff: 0 });
      return;
    }
    const entry = dtype === 'i32' ? 'to_i32' : 'to_f32';
    const { grid, gx } = dispatch1d(be, n);
    be.run(kernel(`cast:${entry}`, [castSrc], {}, entry), [x, out], [n, gx], grid);
  },
  wasm: (be, [x], [out], { dtype }, m) => {
    const n = out.size;
    if (m.inputs[0].dtype === dtype) blockWasm(be, x, out, { outer: 1, width: n, srcRow: n, srcOff: 0, dstRow: n, dstOff: 0 });
    else if (dtype === 'i32') be.k.cast_f32_i32(be.ptr(x), be.ptr(out), n);
    else be.k.cast_i32_f32(be.ptr(x), be.ptr(out), n);
  },
  backward: 'nondiff',
};

/** Convert to `dtype` (a copy when it already has it). f32 → i32 truncates toward zero. Not differentiable. */
export function cast(x: Tensor, dtype: DType): Tensor {
  return runOp(castDef, [x], { dtype })[0];
}
