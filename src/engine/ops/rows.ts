// Shared host side of the row-wise kernels (softmax, rmsNorm, crossEntropy, l2Normalize): x is viewed as
// (rows, cols) over its last axis and each row is reduced and rewritten by one kernel.
// Two variants, selected by prepending a header (kernels/row-thread.wgsl or kernels/row-group.wgsl):
//   thread — one invocation per row, no barriers (SwiftShader: a workgroup there runs on one CPU thread
//            and barriers dominate; see the measurements in ops/reduce.ts);
//   group  — one 64-invocation workgroup per row with a workgroup-memory tree (real GPUs, rows ≥ 64 columns).
// Softmax forward on Dawn + SwiftShader (median of 5, busy 2-core host): 4096×64 thread 80 ms / group 2000 ms;
// 512×1024 thread 92 ms / group 480 ms.
import rowThread from '../../../kernels/row-thread.wgsl?raw';
import rowGroup from '../../../kernels/row-group.wgsl?raw';
import type { Storage } from '../backend';
import { grid1d, type Param, type WebGPUBackend } from '../webgpu-backend';
import { kernel } from './util';

export type RowVariant = 'thread' | 'group';
export const ROW_VARIANTS: RowVariant[] = ['thread', 'group'];
const ROW_WG = 64;

export function pickRowVariant(be: WebGPUBackend, cols: number): RowVariant {
  return !be.info.isSoftware && cols >= ROW_WG ? 'group' : 'thread';
}

export interface RowRun {
  /** Kernel file name (cache key), its source and entry point. */
  name: string;
  src: string;
  entry: string;
  rows: number;
  variant: RowVariant;
  buffers: Storage[];
  /** Uniform params given `gx` (workgroups along x, which the kernel needs to unfold the row index). */
  params: (gx: number) => Param[];
}

/** Dispatch a row kernel over `rows` rows in the given variant. */
export function runRows(be: WebGPUBackend, r: RowRun): void {
  const groups = r.variant === 'thread' ? Math.ceil(r.rows / ROW_WG) : r.rows;
  const grid = grid1d(groups, be.info.limits.maxComputeWorkgroupsPerDimension);
  const spec = kernel(`${r.name}:${r.entry}:${r.variant}`, [r.variant === 'thread' ? rowThread : rowGroup, r.src], {}, r.entry);
  be.run(spec, r.buffers, r.params(grid[0]), grid);
}

/** Rows and columns of a shape viewed over its last axis (a rank-0 tensor is one row of one column). */
export function rowsCols(shape: readonly number[]): { rows: number; cols: number } {
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { rows, cols };
}
