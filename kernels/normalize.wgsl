// normalize.wgsl — L2 normalisation over the last axis of x viewed as (rows, D): y = x / max(‖x‖, eps)
// (the PyTorch F.normalize convention), and its fused backward.
// The host prepends row-thread.wgsl or row-group.wgsl (LANES, row_index, row_sum; workgroup ROW_WG) and
// row-stats.wgsl (row_sumsq).
// Uniform Params: rows, D, gx (workgroups along x), eps.
// Entry points and bindings:
//   forward:  1 x (read), 2 y (write)
//   backward: 1 x (read), 2 g (read), 3 dx (write)
//             ‖x‖ > eps: dx = (g - y Σ g*y) / ‖x‖;   otherwise (y = x / eps, linear): dx = g / eps
struct Params { rows: u32, D: u32, gx: u32, eps: f32 };
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn norm_of(row: u32, lane: u32) -> f32 { return sqrt(row_sumsq(row, lane, 0.0)); }

@compute @workgroup_size(ROW_WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let inv = 1.0 / max(norm_of(row, lane), p.eps);
  for (var c = lane; c < p.D; c += LANES) { y[row * p.D + c] = x[row * p.D + c] * inv; }
}

@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(ROW_WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let base = row * p.D;
  let n = norm_of(row, lane);
  let inv = 1.0 / max(n, p.eps);
  var s = 0.0;
  for (var c = lane; c < p.D; c += LANES) { s += g[base + c] * x[base + c] * inv; }
  s = row_sum(s, lane);
  // below eps the forward is linear (x / eps): drop the projection term
  let k = select(0.0, s, n > p.eps);
  for (var c = lane; c < p.D; c += LANES) { dx[base + c] = (g[base + c] - x[base + c] * inv * k) * inv; }
}
