// sum-to.wgsl — reduce x (shape p.sb, padded rank 4) to the broadcast-compatible output shape p.shape
// by summing over every axis where out has 1 and x does not (the backward of broadcasting).
// Bindings: 0 Params (shape = out shape, sa = x strides, sb = x shape), 1 x, 2 out. One thread per output element.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat_id(gid);
  if (i >= p.n) { return; }
  var r = i;
  let o3 = r % p.shape.w; r = r / p.shape.w;
  let o2 = r % p.shape.z; r = r / p.shape.z;
  let o1 = r % p.shape.y; r = r / p.shape.y;
  let o0 = r;
  // extents to loop over: the x extent on reduced axes, 1 elsewhere
  let e = select(vec4<u32>(1u), p.sb, p.shape != p.sb);
  var acc = 0.0;
  for (var a0 = 0u; a0 < e.x; a0++) {
    for (var a1 = 0u; a1 < e.y; a1++) {
      for (var a2 = 0u; a2 < e.z; a2++) {
        for (var a3 = 0u; a3 < e.w; a3++) {
          // on a reduced axis o = 0, elsewhere a = 0: the x index is o + a on every axis
          acc += x[(o0 + a0) * p.sa.x + (o1 + a1) * p.sa.y + (o2 + a2) * p.sa.z + (o3 + a3) * p.sa.w];
        }
      }
    }
  }
  out[i] = acc;
}
