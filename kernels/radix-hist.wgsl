// radix-hist.wgsl — one LSD radix-sort pass, step 1: per-block histogram of the 8-bit digit (key >> shift) & 255.
// Block b = the 256 keys b*256 .. b*256+255 (one workgroup). Written digit-major: hist[digit * nblocks + b], so an
// exclusive scan of hist (exclusive-scan.wgsl) gives every (digit, block) its stable output start.
// Bindings: 0 uniform Params {N, shift, nblocks, gx}, 1 keys (N u32, read), 2 hist (256*nblocks u32, write).
// Workgroup: 256 threads, one workgroup per block, grid folded into (x, y); workgroup-memory u32 atomics.
struct Params { N: u32, shift: u32, nblocks: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;

var<workgroup> counts: array<atomic<u32>, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.x + wid.y * p.gx;  // uniform across the workgroup
  if (b >= p.nblocks) { return; }
  let t = lid.x;
  atomicStore(&counts[t], 0u);
  workgroupBarrier();
  let e = b * 256u + t;
  if (e < p.N) { atomicAdd(&counts[(keys[e] >> p.shift) & 255u], 1u); }
  workgroupBarrier();
  hist[t * p.nblocks + b] = atomicLoad(&counts[t]);
}
