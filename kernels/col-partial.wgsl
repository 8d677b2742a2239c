// col-partial.wgsl — the (chunk, column) grid of the weight-gradient partial sums of layernorm.wgsl (dwb_partial) and
// rmsnorm.wgsl (dw_partial): invocation i = k·D + j sums column j over the rows of chunk k,
// [k·chunk, min(rows, (k + 1)·chunk)); the host then sums the nchunks partials (deterministic, no atomics).
// Needs Params fields rows, D, gx, chunk, nchunks and ROW_WG (row-thread.wgsl).
struct ColChunk { i: u32, j: u32, start: u32, end: u32, ok: bool };
fn col_chunk(gid: vec3<u32>) -> ColChunk {
  let i = gid.x + gid.y * p.gx * ROW_WG;
  let k = i / p.D;
  return ColChunk(i, i % p.D, k * p.chunk, min(p.rows, (k + 1u) * p.chunk), i < p.nchunks * p.D);
}
