// rmsnorm.wgsl — RMSNorm over the last axis of x viewed as (rows, D): y = x * r * w, r = 1/sqrt(mean(x²) + eps).
// The host prepends row-thread.wgsl or row-group.wgsl (LANES, row_index, row_sum; workgroup ROW_WG), row-stats.wgsl
// (row_sumsq) and col-partial.wgsl (col_chunk); dw_partial is always compiled with row-thread.wgsl.
// Uniform Params: rows, D, gx (workgroups along x), eps, chunk (rows per dw partial sum), nchunks.
// Entry points and bindings:
//   forward:    1 x (read), 2 w (D, read), 3 y (write)
//   backward:   1 x, 2 w, 3 g (read), 4 dx (write), 5 rstd (rows, write: r of each row, for dw_partial)
//               dx_j = r w_j g_j - x_j r³/D Σ_i g_i w_i x_i
//   dw_partial: 1 x, 2 g, 3 rstd (read), 4 part (nchunks × D, write): part[k, j] = Σ_{rows in chunk k} g x r.
//               One invocation per (k, j); the host then sums part over k (deterministic, no atomics).
struct Params { rows: u32, D: u32, gx: u32, eps: f32, chunk: u32, nchunks: u32 };
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn rstd_of(row: u32, lane: u32) -> f32 { return inverseSqrt(row_sumsq(row, lane, 0.0) / f32(p.D) + p.eps); }

@compute @workgroup_size(ROW_WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let r = rstd_of(row, lane);
  for (var c = lane; c < p.D; c += LANES) { y[row * p.D + c] = x[row * p.D + c] * r * w[c]; }
}

@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;

@compute @workgroup_size(ROW_WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let base = row * p.D;
  let r = rstd_of(row, lane);
  var s = 0.0;
  for (var c = lane; c < p.D; c += LANES) { s += g[base + c] * w[c] * x[base + c]; }
  let k = row_sum(s, lane) * r * r * r / f32(p.D);
  for (var c = lane; c < p.D; c += LANES) { dx[base + c] = r * w[c] * g[base + c] - x[base + c] * k; }
  if (lane == 0u) { rstd[row] = r; }
}

@group(0) @binding(2) var<storage, read> g2: array<f32>;
@group(0) @binding(3) var<storage, read> rstd_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;

@compute @workgroup_size(ROW_WG)
fn dw_partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let cc = col_chunk(gid);
  if (!cc.ok) { return; }
  var s = 0.0;
  for (var row = cc.start; row < cc.end; row++) { s += g2[row * p.D + cc.j] * x[row * p.D + cc.j] * rstd_in[row]; }
  part[cc.i] = s;
}
