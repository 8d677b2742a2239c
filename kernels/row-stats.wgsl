// row-stats.wgsl — row statistics shared by the normalisation kernels (layernorm.wgsl, rmsnorm.wgsl, normalize.wgsl).
// The host prepends it after the row header (row-thread.wgsl or row-group.wgsl: LANES, row_sum). Each kernel declares
// `x` ((rows, D) f32) and a uniform `p` with a D field. Lane `lane` reads columns lane, lane + LANES, …
//   row_mean(row, lane)          mean of the row
//   row_sumsq(row, lane, shift)  Σ_c (x[row, c] − shift)²   (shift 0: x − 0 = x exactly, so RMSNorm / L2 norms are unchanged)
fn row_mean(row: u32, lane: u32) -> f32 {
  var s = 0.0;
  for (var c = lane; c < p.D; c += LANES) { s += x[row * p.D + c]; }
  return row_sum(s, lane) / f32(p.D);
}
fn row_sumsq(row: u32, lane: u32, shift: f32) -> f32 {
  var s = 0.0;
  for (var c = lane; c < p.D; c += LANES) { let v = x[row * p.D + c] - shift; s += v * v; }
  return row_sum(s, lane);
}
