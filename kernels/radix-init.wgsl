// radix-init.wgsl — input of the embedding-backward radix sort (see scatter-add.wgsl): keys[n] = idx[n], or the
// sentinel V for an out-of-range index (it sorts last and no output row looks for it); pos[n] = n.
// Bindings: 0 uniform Params {N, V, gx}, 1 idx (N i32, read), 2 keys (N u32, write), 3 pos (N u32, write).
// Workgroup: 256 threads, one per position, grid folded into (x, y).
struct Params { N: u32, V: u32, gx: u32, pad: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> keys: array<u32>;
@group(0) @binding(3) var<storage, read_write> pos: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x + gid.y * p.gx * 256u;
  if (n >= p.N) { return; }
  let v = idx[n];
  keys[n] = select(p.V, u32(v), v >= 0 && u32(v) < p.V);
  pos[n] = n;
}
