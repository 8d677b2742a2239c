// attention-mask.wgsl — the key mask / additive bias binding of attention-fwd.wgsl, attention-bwd-dq.wgsl and
// attention-bwd-dkdv.wgsl (prepended by the host after attention-common.wgsl; the prep kernel does not include it).
// Binding 4 `mb` holds, by p.mode: 0 nothing (a dummy), 1 the (B, Tk) i32 key mask (1 = valid), 2 an f32 bias (its bits),
// element b*sB + h*sH + i*sQ + j*sK. A bias of -inf (bits 0xff800000, compared as bits: WGSL does not promise IEEE
// infinities) masks the key for that query; a key mask together with a bias arrives folded into the bias
// (attention-fold.wgsl), so both never need two bindings (WebGPU guarantees 8 storage buffers per stage).
@group(0) @binding(4) var<storage, read> mb: array<u32>;

const NEG_INF_BITS: u32 = 0xff800000u;

/** Score term of key j for query i of (b, h): `ok` = the key is visible through the mask / bias, `add` = the bias. */
struct KeyBias { ok: bool, add: f32 };
fn key_bias(b: u32, h: u32, i: u32, j: u32) -> KeyBias {
  if (p.mode == 1u) { return KeyBias(mb[b * p.Tk + j] != 0u, 0.0); }
  if (p.mode == 2u) {
    let bits = mb[b * p.sB + h * p.sH + i * p.sQ + j * p.sK];
    return KeyBias(bits != NEG_INF_BITS, select(bitcast<f32>(bits), 0.0, bits == NEG_INF_BITS));
  }
  return KeyBias(true, 0.0);
}
