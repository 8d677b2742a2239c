// clip-sumsq.wgsl — stage 1 of clipGradNorm: partial sums of squares of ONE gradient tensor.
// Workgroup w of G (G ≤ 64, fixed by the host from n, so the result is deterministic) accumulates elements
// w*256 + t, + G*256, ... per thread, reduces its 256 partials in workgroup memory (tree), and writes
// partials[base + w]. The host dispatches this once per gradient tensor into disjoint ranges of `partials`.
// Bindings: 0 uniform Params {n, base}, 1 g (n f32, read), 2 partials (f32, read_write).
// Needs clip-common.wgsl (wg_sum) prepended.
// Workgroup: 256 threads; dispatch (G, 1, 1).
struct Params { n: u32, base: u32, pad0: u32, pad1: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = lid.x;
  let stride = nwg.x * 256u;
  var s = 0.0;
  for (var i = wid.x * 256u + t; i < p.n; i += stride) {
    let x = g[i];
    s += x * x;
  }
  let total = wg_sum(t, s);
  if (t == 0u) { partials[p.base + wid.x] = total; }
}
