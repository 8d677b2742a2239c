// exclusive-scan.wgsl — exclusive prefix sum of n u32 counts into n+1 offsets (offsets[n] = total), in ONE workgroup:
// each of the 256 threads sums a contiguous chunk of ceil(n/256) counts, a Hillis-Steele scan over the 256 chunk
// sums in workgroup memory gives each chunk's start, then each thread writes its chunk's offsets sequentially.
// O(n/256) serial work per thread: fine for the sizes scanned here (radix-sort histograms of 256 × blocks = ~N
// entries), no multi-pass scan needed. Used by the embedding backward (ops/embedding.ts).
// Bindings: 0 uniform Params {n}, 1 counts (n u32, read), 2 offsets (n+1 u32, write).
// Workgroup: 256 threads; dispatch (1, 1, 1).
struct Params { n: u32, pad0: u32, pad1: u32, pad2: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> counts: array<u32>;
@group(0) @binding(2) var<storage, read_write> offsets: array<u32>;

var<workgroup> sums: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let chunk = (p.n + 255u) / 256u;
  let s = min(t * chunk, p.n);
  let e = min(s + chunk, p.n);
  var acc = 0u;
  for (var k = s; k < e; k++) { acc += counts[k]; }
  sums[t] = acc;
  workgroupBarrier();
  for (var off = 1u; off < 256u; off *= 2u) {
    var add = 0u;
    if (t >= off) { add = sums[t - off]; }
    workgroupBarrier();
    sums[t] += add;
    workgroupBarrier();
  }
  var run = sums[t] - acc;  // exclusive start of this chunk
  for (var k = s; k < e; k++) {
    offsets[k] = run;
    run += counts[k];
  }
  if (t == 255u) { offsets[p.n] = sums[255]; }
}
