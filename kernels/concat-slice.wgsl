// concat-slice.wgsl — strided block copies for concat, slice and the slice backward (zero padding).
// Tensors are viewed as (outer, row) matrices around the concat/slice axis; elements are copied as raw 32-bit
// words (u32), so f32 and i32 tensors are handled alike.
// Uniform Params: outer (rows), width (copied words per row), srcRow/dstRow (row lengths), srcOff/dstOff (column
// offsets of the block), n (threads), gx (workgroups along x).
// Bindings: 0 uniform Params, 1 src (read), 2 dst (write). Workgroup: 256 threads, grid folded into (x, y) by `gx`.
// Entry points:
//   copy_block: one thread per block element (n = outer * width): dst[o, dstOff + c] = src[o, srcOff + c]
//               (concat: one dispatch per input; slice: one dispatch). Words of dst outside the block are untouched.
//   pad:        one thread per dst element (n = outer * dstRow): dst[o, c] = src[o, c - dstOff] inside the block,
//               0 outside (the backward of slice).
struct Params { outer: u32, width: u32, srcRow: u32, srcOff: u32, dstRow: u32, dstOff: u32, n: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(256)
fn copy_block(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  let o = i / p.width;
  let c = i % p.width;
  dst[o * p.dstRow + p.dstOff + c] = src[o * p.srcRow + p.srcOff + c];
}

@compute @workgroup_size(256)
fn pad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  let o = i / p.dstRow;
  let c = i % p.dstRow;
  let inside = c >= p.dstOff && c < p.dstOff + p.width;
  // clamp the source index so the (discarded) read for outside words stays in bounds
  let s = src[o * p.srcRow + select(0u, c - p.dstOff, inside)];
  dst[i] = select(0u, s, inside);
}
