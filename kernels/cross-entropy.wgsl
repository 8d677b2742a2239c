// cross-entropy.wgsl — fused log-softmax + negative log-likelihood for logits (N, C) and i32 targets (N).
// A row is ignored when its target equals p.ignore or lies outside [0, C) (the GPU cannot raise an error;
// the CPU reference throws for out-of-range targets instead). Ignored rows have loss 0 and gradient 0.
// The host prepends row-thread.wgsl or row-group.wgsl (LANES, row_index, row_sum, row_max; workgroup ROW_WG);
// `finish` and `grad_scale` run as a single row (one dispatch of one row) that strides over all N rows.
// Uniform Params: rows (N), C, gx (workgroups along x), ignore (i32), mode (0 none, 1 sum, 2 mean).
// Entry points and bindings:
//   rows:       1 logits (read), 2 targets (read), 3 loss (N, write)    loss_i = logsumexp(x_i) - x_i[t_i]
//   finish:     1 loss (read), 2 targets (read), 3 out (1, write)       Σ loss, or Σ loss / max(valid rows, 1)
//   grad_scale: 1 g (1, read), 2 targets (read), 3 s (1, write)        s = g / max(valid rows, 1)  (mode mean)
//   grad_rows:  1 logits, 2 targets, 3 coef (read), 4 dx (write)       dx_i = (softmax(x_i) - onehot(t_i)) * c_i,
//               c_i = coef[i] (mode none: the upstream gradient per row) or coef[0] (sum: g, mean: s)
struct Params { rows: u32, C: u32, gx: u32, ignore: i32, mode: u32 };
@group(0) @binding(0) var<uniform> p: Params;

const NEG_BIG: f32 = -3.402823e38;  // lowest finite f32: the identity of max for lanes without columns

fn is_valid(t: i32) -> bool { return t != p.ignore && t >= 0 && t < i32(p.C); }

/** max and log Σ exp(x - max) of one row: logsumexp = m + l. */
fn row_lse(row: u32, lane: u32) -> vec2<f32> {
  let base = row * p.C;
  var m = NEG_BIG;
  for (var c = lane; c < p.C; c += LANES) { m = max(m, logits[base + c]); }
  m = row_max(m, lane);
  var s = 0.0;
  for (var c = lane; c < p.C; c += LANES) { s += exp(logits[base + c] - m); }
  return vec2<f32>(m, log(row_sum(s, lane)));
}

@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;

@compute @workgroup_size(ROW_WG)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let ml = row_lse(row, lane);  // every lane takes part in the row reductions, valid row or not
  let t = targets[row];
  if (lane == 0u) { loss[row] = select(0.0, ml.x + ml.y - logits[row * p.C + u32(clamp(t, 0, i32(p.C) - 1))], is_valid(t)); }
}

@group(0) @binding(1) var<storage, read> loss_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

/** Number of valid rows, summed over the lanes of the single row that runs `finish` / `grad_scale`. */
fn count_valid(lane: u32) -> f32 {
  var n = 0.0;
  for (var i = lane; i < p.rows; i += LANES) { n += select(0.0, 1.0, is_valid(targets[i])); }
  return row_sum(n, lane);
}

@compute @workgroup_size(ROW_WG)
fn finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (row_index(gid, wid, p.gx) >= 1u) { return; }
  let lane = lane_index(lid);
  var s = 0.0;
  for (var i = lane; i < p.rows; i += LANES) { s += loss_in[i]; }
  s = row_sum(s, lane);
  let n = count_valid(lane);
  if (lane == 0u) { out[0] = select(s, s / max(n, 1.0), p.mode == 2u); }
}

@group(0) @binding(1) var<storage, read> g_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> s_out: array<f32>;

@compute @workgroup_size(ROW_WG)
fn grad_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (row_index(gid, wid, p.gx) >= 1u) { return; }
  let lane = lane_index(lid);
  let n = count_valid(lane);
  if (lane == 0u) { s_out[0] = g_in[0] / max(n, 1.0); }
}

@group(0) @binding(3) var<storage, read> coef: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(ROW_WG)
fn grad_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = row_index(gid, wid, p.gx);
  if (row >= p.rows) { return; }
  let lane = lane_index(lid);
  let ml = row_lse(row, lane);
  let lse = ml.x + ml.y;
  let t = targets[row];
  let k = select(0.0, coef[select(0u, row, p.mode == 0u)], is_valid(t));
  let base = row * p.C;
  for (var c = lane; c < p.C; c += LANES) {
    dx[base + c] = (exp(logits[base + c] - lse) - select(0.0, 1.0, i32(c) == t)) * k;
  }
}
