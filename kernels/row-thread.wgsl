// row-thread.wgsl — row-kernel header, variant "thread": one invocation per row (no workgroup memory, no barriers).
// Prepended by the host to the row-wise kernels (softmax, rmsnorm, cross-entropy, normalize), which are written
// against this interface:
//   LANES                      invocations sharing one row (1 here); a lane handles columns lane, lane+LANES, ...
//   row_index(gid, wid, gx)    the row of this invocation (grid folded into (x, y); gx = workgroups along x)
//   lane_index(lid)            this invocation's lane within its row
//   row_sum(v, lane), row_max(v, lane)   combine the lanes' partial results (identity here)
// Workgroup: ROW_WG = 64 invocations = 64 rows. The right choice on SwiftShader, where barriers are expensive.
const LANES: u32 = 1u;
const ROW_WG: u32 = 64u;
fn row_index(gid: vec3<u32>, wid: vec3<u32>, gx: u32) -> u32 { return gid.x + gid.y * gx * ROW_WG; }
fn lane_index(lid: vec3<u32>) -> u32 { return 0u; }
fn row_sum(v: f32, lane: u32) -> f32 { return v; }
fn row_max(v: f32, lane: u32) -> f32 { return v; }
