// topk.wgsl — per-row top-k, sorted descending, ties -> lower column index (beam search over log-probs).
// Bindings: 0 uniform Params {R, C, k, gx}, 1 x (R*C f32), 2 values (R*k f32, write), 3 indices (R*k i32, write).
// Templated by the host (ops/topk.ts): KMAX ∈ {8, 16, 32, 64} (smallest ≥ k) and WG = 1024 / KMAX threads ('pool'
// variant), so the candidate pool WG*KMAX is at most 1024 entries (8 KiB of workgroup memory, within the 16 KiB WebGPU
// minimum), or WG = 1 ('row' variant: the single invocation's local top-k is the answer, the merge is trivial).
// Workgroup: WG threads, one workgroup per row, grid folded into (x, y) by rows.
// Algorithm (correct for any C ≥ k, k ≤ KMAX):
//   1. thread t scans columns t, t+WG, ... (coalesced) keeping its own sorted top-k in private arrays (insertion);
//   2. the local lists go to workgroup memory (one barrier);
//   3. every candidate's global rank = its position in its own list + Σ over the other lists of the number of entries
//      that precede it (binary search). The order (value desc, index asc) is strict, so ranks are distinct; the
//      candidates with rank < k are exactly the row's top-k and each writes itself to out[rank]. No merge passes,
//      a single barrier (barriers are the expensive part on software rasterisers).
// The global top-k is always inside the pool: each of its members is in its own thread's local top-k.
// NaN inputs are not supported (the order is then not strict); -inf (masked beams) is fine.
struct Params { R: u32, C: u32, k: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

const KMAX = __KMAX__u;
const WG = __WG__u;
const POOL = WG * KMAX;  // 1024 ('pool') or KMAX ('row')
var<workgroup> pv: array<f32, POOL>;
var<workgroup> pi: array<u32, POOL>;
var<workgroup> pc: array<u32, WG>;

// (av, ai) comes before (bv, bi) in the output order
fn before(av: f32, ai: u32, bv: f32, bi: u32) -> bool {
  return av > bv || (av == bv && ai < bi);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * p.gx;  // uniform across the workgroup: the early return keeps the barrier uniform
  if (row >= p.R) { return; }
  let t = lid.x;
  let k = p.k;
  let base = row * p.C;
  var lv: array<f32, KMAX>;
  var li: array<u32, KMAX>;
  var cnt = 0u;
  for (var c = t; c < p.C; c += WG) {
    let v = x[base + c];
    // columns arrive in increasing order, so a new element never precedes an equal value already kept
    if (cnt == k && !before(v, c, lv[k - 1u], li[k - 1u])) { continue; }
    var pos = min(cnt, k - 1u);
    while (pos > 0u && before(v, c, lv[pos - 1u], li[pos - 1u])) {
      lv[pos] = lv[pos - 1u];
      li[pos] = li[pos - 1u];
      pos--;
    }
    lv[pos] = v;
    li[pos] = c;
    cnt = min(cnt + 1u, k);
  }
  for (var j = 0u; j < cnt; j++) {
    pv[t * KMAX + j] = lv[j];
    pi[t * KMAX + j] = li[j];
  }
  pc[t] = cnt;
  workgroupBarrier();
  let ob = row * k;
  for (var j = 0u; j < cnt; j++) {
    let v = lv[j];
    let c = li[j];
    var rank = j;
    for (var u = 0u; u < WG && rank < k; u++) {
      if (u == t) { continue; }
      // number of entries of list u that precede (v, c): lists are sorted, so binary search
      var lo = 0u;
      var hi = pc[u];
      while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (before(pv[u * KMAX + mid], pi[u * KMAX + mid], v, c)) { lo = mid + 1u; } else { hi = mid; }
      }
      rank += lo;
    }
    if (rank >= k) { break; }  // later entries of this sorted list rank even lower
    values[ob + rank] = v;
    indices[ob + rank] = i32(c);
  }
}
