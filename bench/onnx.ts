// A minimal ONNX protobuf writer (no dependency, no downloads): enough to build the tiny graphs the kernel benchmark
// feeds to onnxruntime-web — one MatMul, and attention as Reshape/Transpose → MatMul → Mul → (Add mask) → Softmax → MatMul,
// or the com.microsoft MultiHeadAttention contrib op.
//
// Field numbers follow onnx/onnx.proto (IR version 8):
//   ModelProto     1 ir_version(int64)  2 producer_name  7 graph  8 opset_import
//   OperatorSetId  1 domain  2 version(int64)
//   GraphProto     1 node  2 name  5 initializer  11 input  12 output
//   NodeProto      1 input  2 output  3 name  4 op_type  5 attribute  7 domain
//   AttributeProto 1 name  2 f  3 i  4 s  7 floats  8 ints  20 type (FLOAT=1 INT=2 STRING=3 FLOATS=6 INTS=7)
//   ValueInfoProto 1 name  2 type;  TypeProto 1 tensor_type;  TypeProto.Tensor 1 elem_type  2 shape
//   TensorShapeProto 1 dim;  Dimension 1 dim_value(int64)  2 dim_param
//   TensorProto    1 dims(int64)  2 data_type  8 name  9 raw_data  (FLOAT=1, INT64=7)

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

// ---------------------------------------------------------------- wire format

class Writer {
  private chunks: number[] = [];
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.chunks.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.chunks.push(Number(x));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  /** varint field (wire type 0). */
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }
  /** length-delimited field (wire type 2). */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (let i = 0; i < b.length; i++) this.chunks.push(b[i]);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  /** 32-bit little-endian float field (wire type 5). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.chunks.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

// ---------------------------------------------------------------- model description

export interface ValueInfo {
  name: string;
  /** element type (ONNX_FLOAT, ONNX_INT64) */
  type?: number;
  shape: (number | string)[];
}

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrValue>;
}

export interface Initializer {
  name: string;
  dims: number[];
  /** Float32Array → FLOAT, BigInt64Array → INT64 (stored as raw_data, little-endian). */
  data: Float32Array | BigInt64Array;
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  /** opset imports; default { '': 17 } (+ com.microsoft 1 when a node uses it) */
  opsets?: Record<string, number>;
}

function encodeValueInfo(v: ValueInfo): Uint8Array {
  const shape = new Writer();
  for (const d of v.shape) {
    const dim = new Writer();
    if (typeof d === 'number') dim.int(1, d);
    else dim.str(2, d);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new Writer().int(1, v.type ?? ONNX_FLOAT).bytes(2, shape.finish()).finish();
  const type = new Writer().bytes(1, tensorType).finish();
  return new Writer().str(1, v.name).bytes(2, type).finish();
}

function encodeAttr(name: string, v: AttrValue): Uint8Array {
  const w = new Writer().str(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx attribute ${name}: use { float: x } for non-integers`);
    w.int(3, v).int(20, 2);
  } else if (typeof v === 'string') w.str(4, v).int(20, 3);
  else if (Array.isArray(v)) {
    for (const x of v) w.int(8, x);
    w.int(20, 7);
  } else if ('float' in v) w.float(2, v.float).int(20, 1);
  else {
    for (const x of v.floats) w.float(7, x);
    w.int(20, 6);
  }
  return w.finish();
}

function encodeNode(n: NodeSpec, k: number): Uint8Array {
  const w = new Writer();
  for (const i of n.inputs) w.str(1, i);
  for (const o of n.outputs) w.str(2, o);
  w.str(3, n.name ?? `${n.op}_${k}`).str(4, n.op);
  for (const [name, v] of Object.entries(n.attrs ?? {})) w.bytes(5, encodeAttr(name, v));
  if (n.domain) w.str(7, n.domain);
  return w.finish();
}

function encodeInitializer(t: Initializer): Uint8Array {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64).str(8, t.name);
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  // raw_data is little-endian; every platform we run on is little-endian, checked here once.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('onnx encoder: big-endian host not supported');
  w.bytes(9, raw);
  return w.finish();
}

/** Serialise a graph to ONNX ModelProto bytes. */
export function encodeModel(g: GraphSpec): Uint8Array {
  const graph = new Writer();
  g.nodes.forEach((n, k) => graph.bytes(1, encodeNode(n, k)));
  graph.str(2, g.name);
  for (const t of g.initializers ?? []) graph.bytes(5, encodeInitializer(t));
  for (const v of g.inputs) graph.bytes(11, encodeValueInfo(v));
  for (const v of g.outputs) graph.bytes(12, encodeValueInfo(v));
  const opsets: Record<string, number> = { '': 17, ...(g.opsets ?? {}) };
  if (g.nodes.some((n) => n.domain === 'com.microsoft') && !('com.microsoft' in opsets)) opsets['com.microsoft'] = 1;
  const model = new Writer().int(1, 8).str(2, 'higr-bench');
  model.bytes(7, graph.finish());
  for (const [domain, version] of Object.entries(opsets)) {
    const o = new Writer();
    if (domain) o.str(1, domain);
    o.int(2, version);
    model.bytes(8, o.finish());
  }
  return model.finish();
}

// ---------------------------------------------------------------- a tiny decoder (tests, sanity checks)

export interface PbField {
  field: number;
  wire: number;
  /** varint value (wire 0), raw bytes (wire 2), or 32/64-bit payload bytes (wire 5/1) */
  value: bigint | Uint8Array;
}

/** Split protobuf bytes into their top-level fields (throws on malformed input). */
export function decodeFields(b: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let p = 0;
  const varint = (): bigint => {
    let x = 0n;
    let s = 0n;
    for (;;) {
      if (p >= b.length) throw new Error('protobuf: truncated varint');
      const c = b[p++];
      x |= BigInt(c & 0x7f) << s;
      if (!(c & 0x80)) return x;
      s += 7n;
      if (s > 63n) throw new Error('protobuf: varint too long');
    }
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (field === 0) throw new Error('protobuf: field number 0');
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      if (p + n > b.length) throw new Error('protobuf: truncated bytes field');
      out.push({ field, wire, value: b.subarray(p, p + n) });
      p += n;
    } else if (wire === 5 || wire === 1) {
      const n = wire === 5 ? 4 : 8;
      if (p + n > b.length) throw new Error('protobuf: truncated fixed field');
      out.push({ field, wire, value: b.subarray(p, p + n) });
      p += n;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

// ---------------------------------------------------------------- the benchmark's graphs

/**
 * Y = A·B with A (M,K), B (K,N): both graph inputs (as our matmul op takes them). With a transposed operand
 * (A stored (K,M), or B stored (N,K)) it is one `Gemm` node with transA / transB — ORT's native transposed GEMM
 * (MLAS packs either layout), its strongest form for the backward pass's products, rather than Transpose + MatMul.
 */
export function matmulModel(M: number, K: number, N: number, t: { transA?: boolean; transB?: boolean } = {}): Uint8Array {
  const trans = !!(t.transA || t.transB);
  return encodeModel({
    name: `matmul_${M}x${K}x${N}${t.transA ? '_tA' : ''}${t.transB ? '_tB' : ''}`,
    nodes: [trans ? { op: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transA: t.transA ? 1 : 0, transB: t.transB ? 1 : 0 } } : { op: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }],
    inputs: [
      { name: 'A', shape: t.transA ? [K, M] : [M, K] },
      { name: 'B', shape: t.transB ? [N, K] : [K, N] },
    ],
    outputs: [{ name: 'Y', shape: [M, N] }],
  });
}

export interface AttnDims {
  B: number;
  H: number;
  dh: number;
  Tq: number;
  Tk: number;
  causal: boolean;
}

/**
 * Attention with the engine's layout: q (B,Tq,H·dh), k/v (B,Tk,H·dh) → (B,Tq,H·dh), written with standard ops:
 * reshape+transpose to heads, Q·Kᵀ, scale, additive causal mask (constant), Softmax, ·V, transpose+reshape back.
 */
export function attentionGraphModel(d: AttnDims): Uint8Array {
  const { B, H, dh, Tq, Tk, causal } = d;
  const D = H * dh;
  const i64 = (xs: number[]) => BigInt64Array.from(xs.map((x) => BigInt(x)));
  const nodes: NodeSpec[] = [
    { op: 'Reshape', inputs: ['q', 'shape_q'], outputs: ['q4'] },
    { op: 'Transpose', inputs: ['q4'], outputs: ['qh'], attrs: { perm: [0, 2, 1, 3] } }, // (B,H,Tq,dh)
    { op: 'Reshape', inputs: ['k', 'shape_k'], outputs: ['k4'] },
    { op: 'Transpose', inputs: ['k4'], outputs: ['kt'], attrs: { perm: [0, 2, 3, 1] } }, // (B,H,dh,Tk)
    { op: 'Reshape', inputs: ['v', 'shape_k'], outputs: ['v4'] },
    { op: 'Transpose', inputs: ['v4'], outputs: ['vh'], attrs: { perm: [0, 2, 1, 3] } }, // (B,H,Tk,dh)
    { op: 'MatMul', inputs: ['qh', 'kt'], outputs: ['s'] },
    { op: 'Mul', inputs: ['s', 'scale'], outputs: ['ss'] },
  ];
  const initializers: Initializer[] = [
    { name: 'shape_q', dims: [4], data: i64([B, Tq, H, dh]) },
    { name: 'shape_k', dims: [4], data: i64([B, Tk, H, dh]) },
    { name: 'shape_o', dims: [3], data: i64([B, Tq, D]) },
    { name: 'scale', dims: [], data: new Float32Array([1 / Math.sqrt(dh)]) },
  ];
  let logits = 'ss';
  if (causal) {
    // query i sees keys j <= i + (Tk - Tq) (bottom-right aligned, = plain causal when Tq = Tk)
    const mask = new Float32Array(Tq * Tk);
    for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) mask[i * Tk + j] = j <= i + (Tk - Tq) ? 0 : -1e9;
    initializers.push({ name: 'mask', dims: [Tq, Tk], data: mask });
    nodes.push({ op: 'Add', inputs: ['ss', 'mask'], outputs: ['sm'] });
    logits = 'sm';
  }
  nodes.push(
    { op: 'Softmax', inputs: [logits], outputs: ['p'], attrs: { axis: -1 } },
    { op: 'MatMul', inputs: ['p', 'vh'], outputs: ['oh'] },
    { op: 'Transpose', inputs: ['oh'], outputs: ['o4'], attrs: { perm: [0, 2, 1, 3] } },
    { op: 'Reshape', inputs: ['o4', 'shape_o'], outputs: ['o'] },
  );
  return encodeModel({
    name: `attention_graph_${B}x${H}x${Tq}x${Tk}x${dh}${causal ? '_causal' : ''}`,
    nodes,
    initializers,
    inputs: [
      { name: 'q', shape: [B, Tq, D] },
      { name: 'k', shape: [B, Tk, D] },
      { name: 'v', shape: [B, Tk, D] },
    ],
    outputs: [{ name: 'o', shape: [B, Tq, D] }],
  });
}

/**
 * The fused contrib op com.microsoft.MultiHeadAttention (query/key/value (B,S,D), num_heads). Causal masking uses the
 * `unidirectional` attribute (only meaningful when Tq = Tk).
 */
export function attentionMhaModel(d: AttnDims): Uint8Array {
  const { B, H, dh, Tq, Tk, causal } = d;
  const D = H * dh;
  const attrs: Record<string, AttrValue> = { num_heads: H, scale: { float: 1 / Math.sqrt(dh) } };
  if (causal) attrs.unidirectional = 1;
  return encodeModel({
    name: `attention_mha_${B}x${H}x${Tq}x${Tk}x${dh}${causal ? '_causal' : ''}`,
    nodes: [{ op: 'MultiHeadAttention', domain: 'com.microsoft', inputs: ['q', 'k', 'v'], outputs: ['o'], attrs }],
    inputs: [
      { name: 'q', shape: [B, Tq, D] },
      { name: 'k', shape: [B, Tk, D] },
      { name: 'v', shape: [B, Tk, D] },
    ],
    outputs: [{ name: 'o', shape: [B, Tq, D] }],
  });
}
