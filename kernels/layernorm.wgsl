// layernorm.wgsl — LayerNorm over the last axis of x viewed as (rows, D):
//   mu = mean(x), r = 1/sqrt(mean((x - mu)²) + eps), xh = (x - mu) r, y = xh * w + b.
// The host prepends row-thread.wgsl or row-group.wgsl (LANES, row_index, row_sum; workgroup ROW_WG), row-stats.wgsl
// (row_mean, row_sumsq) and col-partial.wgsl (col_chunk); dwb_partial is always compiled with row-thread.wgsl.
// Uniform Params: rows, D, gx (workgroups along x), eps, chunk (rows per dw/db partial sum), nchunks.
// Entry points and bindings:
//   forward:     1 x (read), 2 w (D, read), 3 b (D, read), 4 y (write)
//   backward:    1 x, 2 w, 3 g (read), 4 dx (write), 5 stats (rows × 2, write: mu, r of each row, for dwb_partial)
//                gh = g w;  dx = r (gh - mean(gh) - xh mean(gh xh))
//   dwb_partial: 1 x, 2 g, 3 stats (read), 4 part_w, 5 part_b (nchunks × D, write): part_w[k, j] = Σ_{rows in chunk k} g xh,
//                part_b[k, j] = Σ g. One invocation per (k, j); the host sums over k (deterministic, no atomics).
struct Params { rows: u32, D: u32, gx: u32, eps: f32, chunk: u32, nchunks: u32 };
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;

fn rstd_of(row: u32, lane: u32, mu: f32) -> f32 { return inverseSqrt(row_sumsq(row, lane, mu) / f32(p.D) + p.eps); }

@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(ROW_WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let mu = row_mean(row, lane);
  let r = rstd_of(row, lane, mu);
  for (var c = lane; c < p.D; c += LANES) { y[row * p.D + c] = (x[row * p.D + c] - mu) * r * w[c] + bias[c]; }
}

@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

@compute @workgroup_size(ROW_WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let base = row * p.D;
  let mu = row_mean(row, lane);
  let r = rstd_of(row, lane, mu);
  var s1 = 0.0;
  var s2 = 0.0;
  for (var c = lane; c < p.D; c += LANES) {
    let gh = g[base + c] * w[c];
    s1 += gh;
    s2 += gh * (x[base + c] - mu) * r;
  }
  let m1 = row_sum(s1, lane) / f32(p.D);
  let m2 = row_sum(s2, lane) / f32(p.D);
  for (var c = lane; c < p.D; c += LANES) {
    let xh = (x[base + c] - mu) * r;
    dx[base + c] = r * (g[base + c] * w[c] - m1 - xh * m2);
  }
  if (lane == 0u) { stats[2u * row] = mu; stats[2u * row + 1u] = r; }
}

@group(0) @binding(2) var<storage, read> g2: array<f32>;
@group(0) @binding(3) var<storage, read> stats_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> part_w: array<f32>;
@group(0) @binding(5) var<storage, read_write> part_b: array<f32>;

@compute @workgroup_size(ROW_WG)
fn dwb_partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let cc = col_chunk(gid);
  if (!cc.ok) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var row = cc.start; row < cc.end; row++) {
    let gv = g2[row * p.D + cc.j];
    sw += gv * (x[row * p.D + cc.j] - stats_in[2u * row]) * stats_in[2u * row + 1u];
    sb += gv;
  }
  part_w[cc.i] = sw;
  part_b[cc.i] = sb;
}
