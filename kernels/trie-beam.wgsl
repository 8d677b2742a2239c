// trie-beam.wgsl — trie-constrained beam search on the device (src/engine/ops/trie-beam.ts; GSBI, src/models/gsbi.ts).
// Three entry points, selected by the host with a per-entry binding block (the BINDINGS placeholder line is replaced so
// each pipeline declares exactly the buffers it binds). Workgroup 64, 1-D grid folded into (x, y): gx workgroups on x.
// Shared layout: R = U·beams beam rows (user u = r / beams); children (N, Kc) i32 = child trie node of (node, code) or
// -1; open (U, N) i32 = allowed items still below each node for each user (nodeItems − blocked); node (R) i32, -1 = a
// dead beam (no valid candidate reached it). -inf is written as its bit pattern (WGSL has no infinity literal).
//   scores  cand[r, c] = score[r] + logp[r, c] if node[r] >= 0, children[node[r], c] >= 0 and open[u, child] > 0,
//           else -inf.                                     Bindings: 1 logp (R,K), 2 score (R), 3 node (R), 4 children,
//                                                          5 open, 6 cand (R,K) write.  One thread per (r, c).
//   advance from the top-k (values, idx) over each user's (beams·K) candidates: parent = idx / K, code = idx % K,
//           node' = children[node[parent], code] (-1 if the value is -inf), codes' = codes[parent] with codes'[level] =
//           offset + code, prow = the parent's row (the new scores are the values themselves).
//                                                          Bindings: 1 values (U,beams), 2 idx (U,beams), 3 node (R),
//                                                          4 codes (R,LV), 5 children, 6 node' (R), 7 codes' (R,LV),
//                                                          8 prow (R).  One thread per beam row r.
//   block   in place, for each user: open[u, v] -= 1 for every node v on the path from node[u·beams] (a leaf) up to
//           (not including) the root.                 Bindings: 1 node (R), 2 parent (N) i32, 3 open (U,N) read_write.
//           One thread per user.
struct Params { R: u32, K: u32, Kc: u32, N: u32, beams: u32, LV: u32, level: u32, offset: u32, gx: u32, _p0: u32, _p1: u32, _p2: u32 };
@group(0) @binding(0) var<uniform> p: Params;
__BINDINGS__

const NEG_INF_BITS: u32 = 0xff800000u;

fn flat_id(wid: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.x + wid.y * p.gx) * 64u + lid.x; }

/** Child of `node` by `code`, or -1 (dead beam, code outside the table, no such child). */
fn child_of(node: i32, code: u32) -> i32 {
  if (node < 0 || code >= p.Kc) { return -1; }
  return children[u32(node) * p.Kc + code];
}
