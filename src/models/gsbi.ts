// Greedy-Slate Beam-Item inference (paper §3.4.3): the slate planner decodes greedily over slate positions (per-block
// KV caches, the context's cross-attention K/V projected once); for each position the shared item generator runs a beam
// search of width B over the SID levels, constrained by the prefix trie to SIDs of real items; the top-1 SID's pooled
// embedding is the planner's next input. No item twice in a slate; items of the user's history are excluded when asked
// (`exclude`): a trie branch is open only while at least one allowed item remains below it, so the beam never walks
// into a dead end. Batched over users; slate length L in 1..maxSlate.
//
// Where the work runs: encoder, planner, generator, log-softmax on the engine's backend (any backend), and with
// `device` (default on WebGPU, unless a trace is asked for) the trie constraint and the beam too: the trie is uploaded once as flat tables
// (children (N, K) and parents, trie-beam.ts `trieTables`) with each user's open-item counts (U, N); per level
// `trieBeamScores` masks and scores every (beam × code) candidate, `topk` keeps B per user over (B·K) candidates and
// `trieBeamAdvance` moves the beams; after the last level `trieBlock` removes the chosen item. The host reads back only
// the chosen leaf and score: one readback per slate position. The host path (`device: false`, and every traced run)
// reads the (U·B, K) log-probabilities once per level and runs the same step with `trieBeamStep`; it is the reference
// the device path is tested against (same slates, same scores within f32 rounding).
import { getBackend, logSoftmax, noGrad, reshape, slice, tensor, tidy, tidyAsync, topk, trieBeamAdvance, trieBeamScores, trieBlock, type Tensor } from '../engine';
import type { HistoryBatch } from './context-encoder';
import { repeatMask, repeatRows, type HierarchicalSlateDecoder } from './slate-decoder';
import { beamContextKV, checkDecodeRequest, historyBlocked, type DecodeRequest } from './decode-setup';
import { openCounts, trieBeamStep, trieTables, type SidLookup } from './trie-beam';

export interface GsbiOptions extends DecodeRequest {
  /**
   * trie masks and beam top-k on the engine's device. Default: on WebGPU (a read-back there is a sync with the GPU);
   * on cpu / wasm the host memory is the device memory and the host path is as fast (bench:decode-device). The host
   * path is the reference; traces always use it.
   */
  device?: boolean;
}

/** GSBI's default decode path on a backend kind (GsbiOptions.device): the device on WebGPU, the host elsewhere. */
export const gsbiDeviceDefault = (kind: string): boolean => kind === 'webgpu';

export interface BeamCandidate {
  /** index of the parent beam, the code appended, the cumulative log-probability, kept in the beam or pruned */
  parent: number;
  code: number;
  score: number;
  kept: boolean;
}

export interface PositionTrace {
  /** the planner's output î_m (d) */
  iHat: Float32Array;
  /** per level: every trie-valid candidate (beam × code) with its score, kept or pruned */
  levels: BeamCandidate[][];
  /** final beams: SID codes, item row, score (best first) */
  beams: { sid: number[]; item: number; score: number }[];
}

export interface GsbiResult {
  /** (U, L) item rows */
  slates: Int32Array[];
  /** (U, L) SID codes per item (L·levels) */
  sids: Int32Array[];
  /** (U, L) log-probability of each chosen SID under the generator */
  scores: Float64Array[];
  /** per user, per position (only with opts.trace) */
  trace?: PositionTrace[][];
}

export type { SidLookup } from './trie-beam';

interface Beam {
  node: number;
  codes: number[];
  score: number;
}

export async function gsbi(model: HierarchicalSlateDecoder, lookup: SidLookup, hist: HistoryBatch, opts: GsbiOptions): Promise<GsbiResult> {
  const U = hist.B;
  const Bm = opts.beam;
  const Lslate = opts.length;
  const LV = model.levels;
  const d = model.cfg.dim;
  const trie = lookup.trie;
  checkDecodeRequest('gsbi', model, lookup, U, opts);
  const useCache = opts.cache ?? true;
  const onDevice = (opts.device ?? gsbiDeviceDefault(getBackend().kind)) && !opts.trace;
  const blocked = historyBlocked(lookup, U, opts.exclude);
  const slates = Array.from({ length: U }, () => new Int32Array(Lslate));
  const sids = Array.from({ length: U }, () => new Int32Array(Lslate * LV));
  const scores = Array.from({ length: U }, () => new Float64Array(Lslate));
  const trace: PositionTrace[][] | undefined = opts.trace ? Array.from({ length: U }, () => []) : undefined;

  await tidyAsync(async () => {
    const { C, mask } = noGrad(() => model.encode(hist));
    const Tc = C.shape[1];
    const genMask = tensor(repeatMask(hist.mask, U, Tc, Bm), [U * Bm, Tc], 'i32');
    const genKV = noGrad(() => model.generators.map((g) => beamContextKV(g.blocks, C, Bm)));
    const state = useCache ? noGrad(() => model.planStart(C, mask, Lslate)) : null;
    // device path: trie tables and each user's open-item counts, uploaded once
    const dev = onDevice ? (() => {
      const t = trieTables(trie);
      return {
        children: tensor(t.children, [t.N, t.K], 'i32'),
        parent: tensor(t.parent, [t.N], 'i32'),
        open: tensor(openCounts(trie, blocked), [U, t.N], 'i32'),
      };
    })() : null;
    /** One slate position's beam on the device; returns the chosen items' global token ids (U, LV). */
    const deviceBeam = async (m: number, iRep: Tensor, gi: number): Promise<Int32Array> => {
      const R = U * Bm;
      let st = tidy(() => ({
        score: tensor(Float32Array.from({ length: R }, (_, r) => (r % Bm === 0 ? 0 : -Infinity)), [R]),
        node: tensor(new Int32Array(R), [R], 'i32'),
        codes: tensor(new Int32Array(R * LV), [R, LV], 'i32'),
      }));
      for (let l = 0; l < LV; l++) {
        const K = model.widths[l];
        const prev = st;
        st = noGrad(() => tidy(() => {
          const hid = model.generatorHidden(m, iRep, l > 0 ? slice(prev.codes, 1, 0, l) : null, { kv: genKV[gi], mask: genMask });
          const cand = trieBeamScores(logSoftmax(model.levelLogits(m, hid, l)), prev.score, prev.node, dev!.children, dev!.open, Bm);
          const [v, ix] = topk(reshape(cand, [U, Bm * K]), Bm);
          const [score, node, codes] = trieBeamAdvance(v, ix, prev.node, prev.codes, dev!.children, { K, level: l, offset: model.sid.offsets[l] });
          return { score, node, codes };
        }));
        for (const t of [prev.score, prev.node, prev.codes]) t.dispose();
      }
      trieBlock(dev!.open, st.node, dev!.parent, Bm);
      const [nodes, sc] = (await Promise.all([st.node.data(), st.score.data()])) as [Int32Array, Float32Array];
      for (const t of [st.score, st.node, st.codes]) t.dispose();
      const chosen = new Int32Array(U * LV);
      for (let u = 0; u < U; u++) {
        const leaf = nodes[u * Bm];
        const item = leaf >= 0 ? trie.t.leafItem[leaf] : -1;
        if (leaf < 0 || sc[u * Bm] === -Infinity) throw new Error(`gsbi: user ${u} has no allowed item left (catalogue exhausted by exclusions)`);
        if (item < 0) throw new Error(`gsbi: internal error, beam ended on node ${leaf} (item ${item})`);
        slates[u][m] = item;
        scores[u][m] = sc[u * Bm];
        for (let l = 0; l < LV; l++) {
          const code = lookup.sids[item * LV + l];
          sids[u][m * LV + l] = code;
          chosen[u * LV + l] = model.sid.offsets[l] + code;
        }
      }
      return chosen;
    };
    let x: Tensor = noGrad(() => model.planBos(U)); // (U, 1, d)
    const prevIds: Int32Array[] = []; // uncached: chosen items' global token ids per position (U, L)
    try {
      for (let m = 0; m < Lslate; m++) {
        const iHat = noGrad(() => {
          if (state) return model.planStep(state, x);
          const ids = prevIds.length ? tensor(concatRows(prevIds, U, LV), [U, prevIds.length, LV], 'i32') : null;
          const all = model.planAll(model.plannerInputs(U, ids), C, mask);
          return slice(all, 1, m, m + 1);
        }); // (U, 1, d)
        const iHatData = opts.trace ? ((await iHat.data()) as Float32Array) : null;
        const iRep = noGrad(() => repeatRows(iHat, Bm)); // (U·B, 1, d)
        const gi = model.generators.length === 1 ? 0 : Math.min(m, model.generators.length - 1);
        if (dev) {
          const chosen = await deviceBeam(m, iRep, gi);
          prevIds.push(chosen);
          if (m + 1 < Lslate && state) x = noGrad(() => model.preferenceOf(tensor(chosen, [U, 1, LV], 'i32')));
          continue;
        }
        let beams: Beam[][] = Array.from({ length: U }, () => [{ node: 0, codes: [], score: 0 }]);
        const levelTrace: BeamCandidate[][][] = Array.from({ length: U }, () => []);
        for (let l = 0; l < LV; l++) {
          const K = model.widths[l];
          const pre = new Int32Array(U * Bm * l);
          for (let u = 0; u < U; u++)
            for (let b = 0; b < Bm; b++) {
              const beam = beams[u][Math.min(b, beams[u].length - 1)];
              for (let j = 0; j < l; j++) pre[(u * Bm + b) * l + j] = model.sid.offsets[j] + beam.codes[j];
            }
          const lp = await tidyAsync(async () => {
            const out = noGrad(() => {
              const hid = model.generatorHidden(m, iRep, l > 0 ? tensor(pre, [U * Bm, l], 'i32') : null, { kv: genKV[gi], mask: genMask });
              return logSoftmax(model.levelLogits(m, hid, l));
            });
            return (await out.data()) as Float32Array;
          });
          const next: Beam[][] = [];
          for (let u = 0; u < U; u++) {
            const cands = trieBeamStep(trie, beams[u], (bi, code) => lp[(u * Bm + bi) * K + code], (_bi, c) => blocked[u].open(c));
            if (!cands.length) throw new Error(`gsbi: user ${u} has no allowed item left (catalogue exhausted by exclusions)`);
            const kept = cands.slice(0, Bm);
            next.push(kept.map((c) => ({ node: c.node, codes: [...beams[u][c.parent].codes, c.code], score: c.score })));
            if (opts.trace) levelTrace[u].push(cands.map((c, i) => ({ parent: c.parent, code: c.code, score: c.score, kept: i < Bm })));
          }
          beams = next;
        }
        const chosen = new Int32Array(U * LV);
        for (let u = 0; u < U; u++) {
          const best = beams[u][0];
          const item = trie.t.leafItem[best.node];
          if (item < 0 || blocked[u].has(item)) throw new Error(`gsbi: internal error, beam ended on node ${best.node} (item ${item})`);
          slates[u][m] = item;
          scores[u][m] = best.score;
          for (let l = 0; l < LV; l++) {
            sids[u][m * LV + l] = best.codes[l];
            chosen[u * LV + l] = model.sid.offsets[l] + best.codes[l];
          }
          blocked[u].add(item);
          if (trace) {
            trace[u].push({
              iHat: iHatData!.slice(u * d, (u + 1) * d),
              levels: levelTrace[u],
              beams: beams[u].map((b) => ({ sid: b.codes, item: trie.t.leafItem[b.node], score: b.score })),
            });
          }
        }
        prevIds.push(chosen);
        if (m + 1 < Lslate && state) x = noGrad(() => model.preferenceOf(tensor(chosen, [U, 1, LV], 'i32')));
      }
    } finally {
      if (state) model.planEnd(state);
    }
    return null;
  });
  return { slates, sids, scores, trace };
}

/** (U, n, L) from n per-position (U, L) arrays. */
function concatRows(rows: Int32Array[], U: number, L: number): Int32Array {
  const n = rows.length;
  const out = new Int32Array(U * n * L);
  for (let u = 0; u < U; u++) for (let j = 0; j < n; j++) out.set(rows[j].subarray(u * L, (u + 1) * L), (u * n + j) * L);
  return out;
}
