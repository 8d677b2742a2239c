// cast.wgsl — dtype conversion, one thread per element.
// f32 → i32 truncates toward zero and saturates to [-2^31, 2^31 - 128] (WGSL conversion rules; NaN gives an
// unspecified value); i32 → f32 rounds to the nearest f32.
// Uniform Params: n (elements), gx (workgroups along x). Workgroup: 256 threads, grid folded into (x, y) by `gx`.
// Entry points and bindings:
//   to_i32: 1 x: f32 (read), 2 out: i32 (write)
//   to_f32: 1 x: i32 (read), 2 out: f32 (write)
struct Params { n: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> x_f: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_i: array<i32>;

@compute @workgroup_size(256)
fn to_i32(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  out_i[i] = i32(x_f[i]);
}

@group(0) @binding(1) var<storage, read> x_i: array<i32>;
@group(0) @binding(2) var<storage, read_write> out_f: array<f32>;

@compute @workgroup_size(256)
fn to_f32(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  out_f[i] = f32(x_i[i]);
}
