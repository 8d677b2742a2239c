// The op registry. Typed so that every op declares a backward rule (or 'nondiff'):
// adding an op without one is a compile error. Add one line per op file.
import type { OpDef } from '../op';
import { binaryDef, sumToDef, unaryDef, unaryGradDef } from './elementwise';
import { matmulDef } from './matmul';
import { reduceDef, reduceMaxGradDef } from './reduce';
import { softmaxDef, softmaxGradDef } from './softmax';
import { rmsNormDef, rmsNormGradDef } from './rmsnorm';
import { crossEntropyDef, crossEntropyGradDef } from './cross-entropy';
import { l2NormalizeDef, l2NormalizeGradDef } from './normalize';
import { castDef, concatDef, sliceDef, slicePadDef, transposeDef, writeSliceDef } from './shape';
import { embeddingDef, embeddingGradDef } from './embedding';
import { nearestCodeDef } from './rq-assign';
import { topkDef } from './topk';
import { adamwDef } from './adamw';
import { clipGradNormDef, clipSegmentsDef } from './clip';
import { attentionBackwardDef, attentionDef } from './attention';
import { layerNormDef, layerNormGradDef } from './layernorm';
import { dropoutDef } from './dropout';
import { trieBeamAdvanceDef, trieBeamScoresDef, trieBlockDef } from './trie-beam';

export const OPS = {
  unary: unaryDef,
  unaryGrad: unaryGradDef,
  binary: binaryDef,
  sumTo: sumToDef,
  matmul: matmulDef,
  reduce: reduceDef, reduceMaxGrad: reduceMaxGradDef,
  softmax: softmaxDef, softmaxGrad: softmaxGradDef,
  rmsNorm: rmsNormDef, rmsNormGrad: rmsNormGradDef,
  crossEntropy: crossEntropyDef, crossEntropyGrad: crossEntropyGradDef,
  l2Normalize: l2NormalizeDef, l2NormalizeGrad: l2NormalizeGradDef,
  transpose: transposeDef, concat: concatDef, slice: sliceDef, slicePad: slicePadDef, cast: castDef, writeSlice: writeSliceDef,
  embedding: embeddingDef, embeddingGrad: embeddingGradDef,
  nearestCode: nearestCodeDef,
  topk: topkDef,
  adamwStep: adamwDef,
  clipGradNorm: clipGradNormDef, clipSegments: clipSegmentsDef,
  attention: attentionDef, attentionBackward: attentionBackwardDef,
  layerNorm: layerNormDef, layerNormGrad: layerNormGradDef,
  dropout: dropoutDef,
  trieBeamScores: trieBeamScoresDef, trieBeamAdvance: trieBeamAdvanceDef, trieBlock: trieBlockDef,
} satisfies Record<string, OpDef<any>>;

export type OpName = keyof typeof OPS;
