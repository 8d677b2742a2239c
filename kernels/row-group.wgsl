// row-group.wgsl — row-kernel header, variant "group": one workgroup of 64 invocations per row; partial results
// are combined by a tree in workgroup memory. Same interface as row-thread.wgsl (see there). The right choice on
// real GPUs for rows of ≥ 64 columns (loads are coalesced across lanes and every row gets 64 invocations).
// Callers must reach row_sum/row_max in uniform control flow: the row comes from workgroup_id, so an early
// `return` for rows past the end is uniform.
// Workgroup: ROW_WG = 64 invocations = 1 row.
const LANES: u32 = 64u;
const ROW_WG: u32 = 64u;
var<workgroup> scratch: array<f32, 64>;
fn row_index(gid: vec3<u32>, wid: vec3<u32>, gx: u32) -> u32 { return wid.x + wid.y * gx; }
fn lane_index(lid: vec3<u32>) -> u32 { return lid.x; }
fn row_sum(v: f32, lane: u32) -> f32 {
  scratch[lane] = v;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s = s >> 1u) {
    if (lane < s) { scratch[lane] += scratch[lane + s]; }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();  // scratch is reused by the next call
  return r;
}
fn row_max(v: f32, lane: u32) -> f32 {
  scratch[lane] = v;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s = s >> 1u) {
    if (lane < s) { scratch[lane] = max(scratch[lane], scratch[lane + s]); }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}
