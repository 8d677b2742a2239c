// radix-scatter.wgsl — one LSD radix-sort pass, step 3: stable scatter of (key, pos) by the 8-bit digit.
// dest = offsets[digit * nblocks + block] + (number of earlier keys in this block with the same digit); the local
// rank is counted from the block's digits in workgroup memory (≤ 255 comparisons per thread, no atomics), so the
// pass is stable and deterministic.
// Bindings: 0 uniform Params {N, shift, nblocks, gx}, 1 keysIn (N u32), 2 posIn (N u32), 3 offsets (256*nblocks+1 u32),
//           4 keysOut (N u32, write), 5 posOut (N u32, write).
// Workgroup: 256 threads, one workgroup per block of 256 keys, grid folded into (x, y).
struct Params { N: u32, shift: u32, nblocks: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keysIn: array<u32>;
@group(0) @binding(2) var<storage, read> posIn: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> keysOut: array<u32>;
@group(0) @binding(5) var<storage, read_write> posOut: array<u32>;

var<workgroup> digits: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.x + wid.y * p.gx;  // uniform across the workgroup
  if (b >= p.nblocks) { return; }
  let t = lid.x;
  let e = b * 256u + t;
  var key = 0u;
  var digit = 256u;  // past the end of the block: matches nobody
  if (e < p.N) {
    key = keysIn[e];
    digit = (key >> p.shift) & 255u;
  }
  digits[t] = digit;
  workgroupBarrier();
  if (e >= p.N) { return; }
  var rank = 0u;
  for (var j = 0u; j < t; j++) { rank += select(0u, 1u, digits[j] == digit); }
  let dest = offsets[digit * p.nblocks + b] + rank;
  keysOut[dest] = key;
  posOut[dest] = posIn[e];
}
