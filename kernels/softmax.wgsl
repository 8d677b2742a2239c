// softmax.wgsl — softmax / log-softmax over the last axis of x viewed as (rows, C), and the fused backward.
// The host prepends row-thread.wgsl or row-group.wgsl (LANES, row_index, row_sum, row_max; workgroup ROW_WG).
// Uniform Params: rows, C, gx (workgroups along x), log (1 = log-softmax).
// Entry points and bindings:
//   forward:  1 x (read), 2 y (write)        y = exp(x - m) / s  or  x - m - log(s),  m = max x, s = Σ exp(x - m)
//   backward: 1 y (read, the forward output), 2 g (read), 3 dx (write)
//             softmax: dx = y * (g - Σ g*y);   log-softmax: dx = g - exp(y) * Σ g
struct Params { rows: u32, C: u32, gx: u32, log: u32 };
@group(0) @binding(0) var<uniform> p: Params;

const NEG_BIG: f32 = -3.402823e38;  // lowest finite f32: the identity of max for lanes without columns

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(ROW_WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let base = row * p.C;
  var m = NEG_BIG;
  for (var c = lane; c < p.C; c += LANES) { m = max(m, x[base + c]); }
  m = row_max(m, lane);
  var s = 0.0;
  for (var c = lane; c < p.C; c += LANES) { s += exp(x[base + c] - m); }
  s = row_sum(s, lane);
  if (p.log == 1u) {
    let lse = m + log(s);
    for (var c = lane; c < p.C; c += LANES) { y[base + c] = x[base + c] - lse; }
  } else {
    let inv = 1.0 / s;
    for (var c = lane; c < p.C; c += LANES) { y[base + c] = exp(x[base + c] - m) * inv; }
  }
}

@group(0) @binding(1) var<storage, read> yf: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(ROW_WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let base = row * p.C;
  var s = 0.0;
  if (p.log == 1u) {
    for (var c = lane; c < p.C; c += LANES) { s += g[base + c]; }
  } else {
    for (var c = lane; c < p.C; c += LANES) { s += g[base + c] * yf[base + c]; }
  }
  s = row_sum(s, lane);
  if (p.log == 1u) {
    for (var c = lane; c < p.C; c += LANES) { dx[base + c] = g[base + c] - exp(yf[base + c]) * s; }
  } else {
    for (var c = lane; c < p.C; c += LANES) { dx[base + c] = yf[base + c] * (g[base + c] - s); }
  }
}
