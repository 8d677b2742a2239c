// dropout.wgsl — inverted dropout with a counter-based mask: keep element i iff hash(i ^ hash(seed)) >= threshold
// (threshold = floor(p · 2³²)); out = keep ? x · scale : 0, scale = 1 / (1 − p). The mask depends only on (seed, i), so
// the CPU reference computes the same mask and the backward pass (dropout of the gradient with the same seed) needs no
// stored mask. The hash is the "lowbias32" integer hash (Wellons); JS mirrors it with Math.imul.
// Bindings: 0 uniform Params, 1 x (read), 2 out (write). Workgroup: 256 threads, one per element, grid folded into (x, y).
struct Params { n: u32, gx: u32, seedHash: u32, threshold: u32, scale: f32, pad0: u32, pad1: u32, pad2: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn lowbias32(v: u32) -> u32 {
  var h = v;
  h ^= h >> 16u; h *= 0x7feb352du;
  h ^= h >> 15u; h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  out[i] = select(0.0, x[i] * p.scale, lowbias32(i ^ p.seedHash) >= p.threshold);
}
