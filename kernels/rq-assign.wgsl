// rq-assign.wgsl — residual-quantization assignment (paper Eq. 1): for each row x_n,
//   index[n] = argmin_k ||x_n - e_k||²   (ties -> lowest k),   dist2[n] = that minimum.
// Distances are summed directly as Σ_j (x_j - e_kj)² in j order (no ||x||² - 2x·e + ||e||² expansion: no cancellation),
// so both entry points produce bitwise the same distance per (n, k) and hence the same argmin.
// Bindings: 0 uniform Params {N, K, d, gx}, 1 x (N*d f32), 2 codebook (K*d f32), 3 index (N i32, write), 4 dist2 (N f32, write).
// A row whose distances are all NaN gets index -1, dist2 = +inf (the CPU reference does the same).
// Entry points (ops/rq-assign.ts picks one per adapter):
//   simple     — one thread per row looping over all K codewords; workgroup 64, grid folded into (x, y) by rows.
//                No barriers: best on software rasterisers (SwiftShader), where barriers are expensive.
//   wg_reduce  — (variant "workgroup") one workgroup of 64 threads per row; thread t scores codewords t, t+64, ...; then a tree argmin
//                over (dist, index) pairs in workgroup memory. Exposes K-way parallelism on real GPUs when N is small
//                (RQ over a batch) and K is large (codebooks of 256..1024).
struct Params { N: u32, K: u32, d: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> codebook: array<f32>;
@group(0) @binding(3) var<storage, read_write> index: array<i32>;
@group(0) @binding(4) var<storage, read_write> dist2: array<f32>;

const NONE = 0xffffffffu;

fn dist(n: u32, k: u32) -> f32 {
  let xo = n * p.d;
  let eo = k * p.d;
  var acc = 0.0;
  for (var j = 0u; j < p.d; j++) {
    let t = x[xo + j] - codebook[eo + j];
    acc += t * t;
  }
  return acc;
}

// (d2, k2) beats (d1, k1): smaller distance, or equal distance and lower index (NONE = no candidate yet).
fn better(d2: f32, k2: u32, d1: f32, k1: u32) -> bool {
  return d2 < d1 || (d2 == d1 && k2 < k1);
}

// +inf (a `var`, so the bitcast is not constant-evaluated: WGSL rejects an infinite constant)
fn inf() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

@compute @workgroup_size(64)
fn simple(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x + gid.y * p.gx * 64u;
  if (n >= p.N) { return; }
  var bd = inf();
  var bk = NONE;
  for (var k = 0u; k < p.K; k++) {
    let dk = dist(n, k);
    if (better(dk, k, bd, bk)) { bd = dk; bk = k; }
  }
  index[n] = bitcast<i32>(bk);
  dist2[n] = bd;
}

var<workgroup> wd: array<f32, 64>;
var<workgroup> wk: array<u32, 64>;

@compute @workgroup_size(64)
fn wg_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = wid.x + wid.y * p.gx;  // uniform across the workgroup: the early return keeps barriers uniform
  if (n >= p.N) { return; }
  let t = lid.x;
  var bd = inf();
  var bk = NONE;
  for (var k = t; k < p.K; k += 64u) {
    let dk = dist(n, k);
    if (better(dk, k, bd, bk)) { bd = dk; bk = k; }
  }
  wd[t] = bd;
  wk[t] = bk;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s && better(wd[t + s], wk[t + s], wd[t], wk[t])) {
      wd[t] = wd[t + s];
      wk[t] = wk[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    index[n] = bitcast<i32>(wk[0]);
    dist2[n] = wd[0];
  }
}
