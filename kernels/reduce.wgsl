// reduce.wgsl — reduce x viewed as (outer, red, inner) over the middle axis → out (outer, inner); f32.
// Templated: the host replaces KIND_ID with 0u (sum), 1u (mean) or 2u (max; ties go to the lowest index).
// Bindings: 0 uniform Params; then per entry point
//   serial_value, tree_value:  1 x (read), 2 out (write)
//   serial_arg,   tree_arg:    1 x (read), 2 out (write), 3 idx: i32 index along `red` of the max (write)
//   max_backward:              1 g (outer*inner, read), 2 idx (read), 3 dx (outer*red*inner, write)
// Variants (ops/reduce.ts picks one):
//   serial_* — one thread per output, loops over `red`; workgroup 256, grid folded into (x, y) by `gx`.
//   tree_*   — one workgroup of 256 threads per output: threads stride over `red`, then a tree in workgroup memory.
// max_backward: one thread per dx element (workgroup 256): dx = g where the index is the recorded argmax, else 0.
struct Params {
  outer: u32,
  red: u32,
  inner: u32,
  gx: u32,    // workgroups along x (for folding the flat id)
};
@group(0) @binding(0) var<uniform> p: Params;

const KIND: u32 = KIND_ID;
const EMPTY: u32 = 0xffffffffu;  // index of an accumulator that has seen no element yet
const WG: u32 = 256u;

// A partial result: value and (for max) its index along `red`.
struct Acc { v: f32, i: u32 };

fn combine(a: Acc, b: Acc) -> Acc {
  if (b.i == EMPTY) { return a; }
  if (a.i == EMPTY) { return b; }
  if (KIND == 2u) {
    if (b.v > a.v || (b.v == a.v && b.i < a.i)) { return b; }
    return a;
  }
  return Acc(a.v + b.v, min(a.i, b.i));  // sum/mean: the index only marks the accumulator as non-empty
}

fn finish(a: Acc) -> f32 {
  if (KIND == 1u) { return a.v / f32(p.red); }
  return a.v;
}

fn serial(o: u32) -> Acc {
  let base = (o / p.inner) * p.red * p.inner + o % p.inner;
  var acc = Acc(0.0, EMPTY);
  for (var r = 0u; r < p.red; r++) { acc = combine(acc, Acc(xs[base + r * p.inner], r)); }
  return acc;
}

var<workgroup> tv: array<f32, WG>;
var<workgroup> ti: array<u32, WG>;

fn tree(o: u32, lid: u32) -> Acc {
  let base = (o / p.inner) * p.red * p.inner + o % p.inner;
  var acc = Acc(0.0, EMPTY);
  for (var r = lid; r < p.red; r += WG) { acc = combine(acc, Acc(xs[base + r * p.inner], r)); }
  tv[lid] = acc.v;
  ti[lid] = acc.i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      let c = combine(Acc(tv[lid], ti[lid]), Acc(tv[lid + s], ti[lid + s]));
      tv[lid] = c.v;
      ti[lid] = c.i;
    }
    workgroupBarrier();
  }
  return Acc(tv[0], ti[0]);
}

@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<i32>;

@compute @workgroup_size(WG)
fn serial_value(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.gx * WG;
  if (o >= p.outer * p.inner) { return; }
  out[o] = finish(serial(o));
}

@compute @workgroup_size(WG)
fn serial_arg(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.gx * WG;
  if (o >= p.outer * p.inner) { return; }
  let a = serial(o);
  out[o] = finish(a);
  idx[o] = i32(a.i);
}

@compute @workgroup_size(WG)
fn tree_value(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wid.x + wid.y * p.gx;
  if (o >= p.outer * p.inner) { return; }
  let a = tree(o, lid.x);
  if (lid.x == 0u) { out[o] = finish(a); }
}

@compute @workgroup_size(WG)
fn tree_arg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wid.x + wid.y * p.gx;
  if (o >= p.outer * p.inner) { return; }
  let a = tree(o, lid.x);
  if (lid.x == 0u) {
    out[o] = finish(a);
    idx[o] = i32(a.i);
  }
}
