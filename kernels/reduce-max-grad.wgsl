// reduce-max-grad.wgsl — backward of max over the middle axis of x viewed as (outer, red, inner):
// dx[o, r, j] = g[o, j] where r is the recorded argmax idx[o, j], else 0 (the gradient goes to one element).
// Bindings: 0 uniform Params, 1 g (outer*inner, read), 2 idx: i32 (outer*inner, read), 3 dx (outer*red*inner, write).
// Workgroup: 256 threads, one per dx element, grid folded into (x, y) by `gx`.
struct Params {
  outer: u32,
  red: u32,
  inner: u32,
  gx: u32,
};
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.outer * p.red * p.inner) { return; }
  let j = i % p.inner;
  let r = (i / p.inner) % p.red;
  let o = (i / p.inner) / p.red;
  let k = o * p.inner + j;
  dx[i] = select(0.0, g[k], idx[k] == i32(r));
}
