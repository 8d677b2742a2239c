// The op registry. Typed so that every op declares a backward rule (or 'nondiff'):
// adding an op without one is a compile error. Add one line per op file.
import type { OpDef } from '../op';
import { binaryDef, sumToDef, unaryDef, unaryGradDef } from './elementwise';
import { matmulDef } from './matmul';

export const OPS = {
  unary: unaryDef,
  unaryGrad: unaryGradDef,
  binary: binaryDef,
  sumTo: sumToDef,
  matmul: matmulDef,
} satisfies Record<string, OpDef<any>>;

export type OpName = keyof typeof OPS;
