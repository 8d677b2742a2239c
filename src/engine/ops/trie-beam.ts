// Trie-constrained beam search on the device (GSBI's per-item beam, src/models/gsbi.ts): the valid-next-code mask of
// every beam is gathered from flat trie tables uploaded once, added to the beams' scores and log-probabilities, the
// engine's `topk` picks each user's best `beams` of (beams × K) candidates, and the beams advance on the device — so a
// decoder reads back only the chosen SIDs (once per slate position), not the log-probabilities per level.
//   trieBeamScores(logp (R,K), score (R), node i32 (R), children i32 (N,Kc), open i32 (U,N), beams) -> cand (R,K)
//     cand = score + logp where the child of the beam's node by that code exists and still has an allowed item
//     below it (open > 0), else -Infinity. R = U·beams (user u = r / beams).
//   trieBeamAdvance(values (U,beams), idx i32 (U,beams), node, codes i32 (R,LV), children, {K, level, offset})
//     -> [score (R) (= values), node i32 (R), codes i32 (R,LV), parentRow i32 (R)]: the chosen candidates' parents' codes with
//     codes[level] = offset + code; node -1 for a candidate of score -Infinity (a dead beam: fewer valid candidates
//     than beams); parentRow = the beam row each new beam came from (to reorder per-beam state: KV caches, counts).
//   trieBlock(open i32 (U,N), node i32 (R), parent i32 (N), beams): in place (like writeSlice), open[u, v] -= 1 on the
//     path of user u's beam 0 (a leaf) up to the root: the chosen item cannot be produced again.
// All nondiff. WGSL: kernels/trie-beam.wgsl; wasm: wasm/trie.c (the same loops in C on the wasm memory).
import src from '../../../kernels/trie-beam.wgsl?raw';
import type { TensorMeta } from '../backend';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { reshape, runOp, type Tensor } from '../tensor';
import type { Param, WebGPUBackend } from '../webgpu-backend';
import { dispatch1d, f32meta, kernel } from './util';

const fail = (op: string, msg: string): never => {
  throw new Error(`${op}: ${msg}`);
};
/** Check each input against its `name:dtype:rank` spec (e.g. 'logp:f32:2'). */
const ranks = (op: string, xs: readonly TensorMeta[], specs: string) =>
  specs.split(' ').forEach((spec, i) => {
    const [what, dtype, r] = spec.split(':');
    const x = xs[i];
    if (x.shape.length !== Number(r) || x.dtype !== dtype) fail(op, `${what} must be ${dtype} of rank ${r}, got ${x.dtype} ${shapeStr(x.shape)}`);
  });

const BINDINGS = {
  scores: [
    'read> logp: array<f32>', 'read> score: array<f32>', 'read> node: array<i32>', 'read> children: array<i32>', 'read> open: array<i32>',
    'read_write> cand: array<u32>',
  ],
  advance: [
    'read> values: array<f32>', 'read> idx: array<i32>', 'read> node: array<i32>', 'read> codes: array<i32>', 'read> children: array<i32>',
    'read_write> node2: array<i32>', 'read_write> codes2: array<i32>', 'read_write> prow: array<i32>',
  ],
  block: ['read> node: array<i32>', 'read> parent: array<i32>', 'read_write> open: array<i32>'],
};
const BODIES = {
  scores: `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = flat_id(wid, lid);
  if (t >= p.R * p.K) { return; }
  let r = t / p.K;
  let ch = child_of(node[r], t % p.K);
  let ok = ch >= 0 && open[(r / p.beams) * p.N + u32(ch)] > 0;
  cand[t] = select(NEG_INF_BITS, bitcast<u32>(score[r] + logp[t]), ok);
}`,
  advance: `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = flat_id(wid, lid);
  if (r >= p.R) { return; }
  let t = u32(idx[r]);
  let pr = (r / p.beams) * p.beams + t / p.K;
  let code = t % p.K;
  let v = values[r];
  node2[r] = select(child_of(node[pr], code), -1, bitcast<u32>(v) == NEG_INF_BITS);
  for (var l = 0u; l < p.LV; l++) { codes2[r * p.LV + l] = codes[pr * p.LV + l]; }
  codes2[r * p.LV + p.level] = i32(p.offset + code);
  prow[r] = i32(pr);
}`,
  block: `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let u = flat_id(wid, lid);
  if (u * p.beams >= p.R) { return; }
  var v = node[u * p.beams];
  for (var guard = 0u; v > 0 && guard < 64u; guard++) {
    open[u * p.N + u32(v)] -= 1;
    v = parent[u32(v)];
  }
}`,
};
/** Each entry's header (its bindings declared), built once: `kernel` memoises by key and compares sources by identity. */
const HEADS = new Map<keyof typeof BINDINGS, string>();
function trieHead(entry: keyof typeof BINDINGS): string {
  let h = HEADS.get(entry);
  if (h === undefined) {
    const decl = BINDINGS[entry].map((b, i) => `@group(0) @binding(${i + 1}) var<storage, ${b};`).join('\n');
    // `block` binds no children table: drop the header's child_of (the last function of the file)
    const head = entry === 'block' ? src.replace(/\/\*\* Child of[\s\S]*$/, '') : src;
    HEADS.set(entry, (h = head.replace('__BINDINGS__', decl)));
  }
  return h;
}
function trieKernel(be: WebGPUBackend, entry: keyof typeof BINDINGS, storages: Parameters<WebGPUBackend['run']>[1], params: Param[], n: number) {
  const { grid, gx } = dispatch1d(be, Math.max(1, n), 64);
  be.run(kernel(`trie-beam:${entry}`, [trieHead(entry), BODIES[entry]]), storages, [...params, gx, 0, 0, 0], grid);
}

const NEG_INF = -Infinity;

// ------------------------------------------------------------------ scores

export const trieBeamScoresDef: OpDef<{ beams: number }> = {
  name: 'trieBeamScores',
  outputs: (ins, { beams }) => {
    const op = 'trieBeamScores';
    ranks(op, ins, 'logp:f32:2 score:f32:1 node:i32:1 children:i32:2 open:i32:2');
    const [logp, score, node, children, open] = ins;
    const [R] = logp.shape;
    if (score.shape[0] !== R || node.shape[0] !== R) fail(op, `logp ${shapeStr(logp.shape)}, score ${shapeStr(score.shape)}, node ${shapeStr(node.shape)} disagree on R`);
    if (!Number.isInteger(beams) || beams < 1 || R % beams) fail(op, `R=${R} beam rows are not a multiple of beams=${beams}`);
    if (open.shape[0] !== R / beams || open.shape[1] !== children.shape[0]) fail(op, `open must be (U, N) = [${R / beams},${children.shape[0]}], got ${shapeStr(open.shape)}`);
    return [f32meta(logp.shape)];
  },
  cpu: ([logp, score, node, children, open], [cand], { beams }, m) => {
    const [R, K] = m.inputs[0].shape;
    const [N, Kc] = m.inputs[3].shape;
    for (let r = 0; r < R; r++) {
      const u = Math.floor(r / beams);
      for (let c = 0; c < K; c++) {
        const ch = node[r] < 0 || c >= Kc ? -1 : children[node[r] * Kc + c];
        cand[r * K + c] = ch >= 0 && open[u * N + ch] > 0 ? score[r] + logp[r * K + c] : NEG_INF;
      }
    }
  },
  webgpu: (be, ins, [cand], { beams }, m) => {
    const [R, K] = m.inputs[0].shape;
    const [N, Kc] = m.inputs[3].shape;
    trieKernel(be, 'scores', [...ins, cand], [R, K, Kc, N, beams, 0, 0, 0], R * K);
  },
  wasm: (be, [logp, score, node, children, open], [cand], { beams }, m) => {
    const [R, K] = m.inputs[0].shape;
    const [N, Kc] = m.inputs[3].shape;
    be.k.trie_scores(be.ptr(logp), be.ptr(score), be.ptr(node), be.ptr(children), be.ptr(open), be.ptr(cand), R, K, N, Kc, beams);
  },
  backward: 'nondiff',
};

// ------------------------------------------------------------------ advance

export interface TrieAdvanceAttrs {
  K: number;
  level: number;
  offset: number;
}

export const trieBeamAdvanceDef: OpDef<TrieAdvanceAttrs> = {
  name: 'trieBeamAdvance',
  outputs: (ins, { K, level, offset }) => {
    const op = 'trieBeamAdvance';
    ranks(op, ins, 'values:f32:2 idx:i32:2 node:i32:1 codes:i32:2 children:i32:2');
    const [values, idx, node, codes] = ins;
    const [U, beams] = values.shape;
    const R = U * beams;
    if (idx.shape[0] !== U || idx.shape[1] !== beams || node.shape[0] !== R || codes.shape[0] !== R) {
      fail(op, `values ${shapeStr(values.shape)}, idx ${shapeStr(idx.shape)}, node ${shapeStr(node.shape)}, codes ${shapeStr(codes.shape)} disagree`);
    }
    if (!Number.isInteger(level) || level < 0 || level >= codes.shape[1]) fail(op, `level ${level} outside the ${codes.shape[1]} code columns`);
    if (!Number.isInteger(K) || K < 1 || !Number.isInteger(offset) || offset < 0) fail(op, `bad K=${K} / offset=${offset}`);
    return [{ shape: [R], dtype: 'i32' }, { shape: [...codes.shape], dtype: 'i32' }, { shape: [R], dtype: 'i32' }];
  },
  cpu: ([values, idx, node, codes, children], [node2, codes2, prow], { K, level, offset }, m) => {
    const [U, beams] = m.inputs[0].shape;
    const LV = m.inputs[3].shape[1];
    const Kc = m.inputs[4].shape[1];
    for (let r = 0; r < U * beams; r++) {
      const t = idx[r];
      const pr = Math.floor(r / beams) * beams + Math.floor(t / K);
      const code = t % K;
      const n = node[pr];
      const ch = n < 0 || code >= Kc ? -1 : children[n * Kc + code];
      node2[r] = values[r] === NEG_INF ? -1 : ch;
      for (let l = 0; l < LV; l++) codes2[r * LV + l] = codes[pr * LV + l];
      codes2[r * LV + level] = offset + code;
      prow[r] = pr;
    }
  },
  webgpu: (be, ins, outs, { K, level, offset }, m) => {
    const [U, beams] = m.inputs[0].shape;
    const LV = m.inputs[3].shape[1];
    const [N, Kc] = m.inputs[4].shape;
    trieKernel(be, 'advance', [...ins, ...outs], [U * beams, K, Kc, N, beams, LV, level, offset], U * beams);
  },
  wasm: (be, [values, idx, node, codes, children], [node2, codes2, prow], { K, level, offset }, m) => {
    const [U, beams] = m.inputs[0].shape;
    const LV = m.inputs[3].shape[1];
    const Kc = m.inputs[4].shape[1];
    be.k.trie_advance(be.ptr(values), be.ptr(idx), be.ptr(node), be.ptr(codes), be.ptr(children), be.ptr(node2), be.ptr(codes2), be.ptr(prow), U * beams, K, Kc, beams, LV, level, offset);
  },
  backward: 'nondiff',
};

// ------------------------------------------------------------------ block

export const trieBlockDef: OpDef<{ beams: number }> = {
  name: 'trieBlock',
  outputs: (ins, { beams }) => {
    const op = 'trieBlock';
    ranks(op, ins, 'open:i32:2 node:i32:1 parent:i32:1');
    const [open, node, parent] = ins;
    if (node.shape[0] !== open.shape[0] * beams || parent.shape[0] !== open.shape[1]) {
      fail(op, `open ${shapeStr(open.shape)}, node ${shapeStr(node.shape)}, parent ${shapeStr(parent.shape)} disagree (beams=${beams})`);
    }
    return [];
  },
  cpu: ([open, node, parent], _out, { beams }, m) => {
    const [U, N] = m.inputs[0].shape;
    for (let u = 0; u < U; u++) {
      for (let v = node[u * beams], guard = 0; v > 0 && guard < 64; v = parent[v], guard++) open[u * N + v] -= 1;
    }
  },
  webgpu: (be, [open, node, parent], _out, { beams }, m) => {
    const [U, N] = m.inputs[0].shape;
    trieKernel(be, 'block', [node, parent, open], [U * beams, 0, 0, N, beams, 0, 0, 0], U);
  },
  wasm: (be, [open, node, parent], _out, { beams }, m) => {
    const [U, N] = m.inputs[0].shape;
    be.k.trie_block(be.ptr(open), be.ptr(node), be.ptr(parent), U, N, beams);
  },
  backward: 'nondiff',
};

// ------------------------------------------------------------------ frontends

/** Candidate scores of every beam × code: score + logp where the trie allows the code, else -Infinity. (R, K). */
export function trieBeamScores(logp: Tensor, score: Tensor, node: Tensor, children: Tensor, open: Tensor, beams: number): Tensor {
  return runOp(trieBeamScoresDef, [logp, score, node, children, open], { beams })[0];
}

/** Advance the beams to the top-k candidates (values, idx from `topk` over (U, beams·K)): [score, node, codes, parentRow]. */
export function trieBeamAdvance(values: Tensor, idx: Tensor, node: Tensor, codes: Tensor, children: Tensor, attrs: TrieAdvanceAttrs): [Tensor, Tensor, Tensor, Tensor] {
  const [n, c, pr] = runOp(trieBeamAdvanceDef, [values, idx, node, codes, children], attrs);
  return [reshape(values, [values.size]), n, c, pr];  // the new scores are the top-k values
}

/** In place: user u's beam-0 item (its leaf `node[u·beams]`) is blocked on every node of its path. */
export function trieBlock(open: Tensor, node: Tensor, parent: Tensor, beams: number): void {
  runOp(trieBlockDef, [open, node, parent], { beams });
}
