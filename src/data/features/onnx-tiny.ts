// Hand-written protobuf encoder for a tiny ONNX model: Gather(embedding, ids) -> ReduceMean(axis 1).
// Used by tests (no download) and as a documented example of the encoder contract.

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const vint = (field: number, v: number | bigint) => [...key(field, 0), ...varint(v)];
const bytesField = (field: number, b: number[] | Uint8Array) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytesField(field, Array.from(new TextEncoder().encode(s)));

function valueInfo(name: string, elemType: number, dims: (number | string)[]): number[] {
  const dimMsgs = dims.flatMap((d) => bytesField(1, typeof d === 'number' ? vint(1, d) : str(2, d)));
  const tensorType = [...vint(1, elemType), ...bytesField(2, dimMsgs)];
  return [...str(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** ONNX bytes for: input ids int64 [1, T] -> output emb float [1, D] = mean_t E[ids[t]]. E is vocab x dim float32. */
export function tinyEmbeddingBagOnnx(embedding: Float32Array, vocab: number, dim: number): Uint8Array {
  const FLOAT = 1, INT64 = 7;
  const raw = Array.from(new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength));
  const init = [...vint(1, vocab), ...vint(1, dim), ...vint(2, FLOAT), ...str(8, 'E'), ...bytesField(9, raw)];
  const gather = [...str(1, 'E'), ...str(1, 'ids'), ...str(2, 'g'), ...str(3, 'gather'), ...str(4, 'Gather'),
    ...bytesField(5, [...str(1, 'axis'), ...vint(3, 0), ...vint(20, 2)])];
  const mean = [...str(1, 'g'), ...str(2, 'emb'), ...str(3, 'mean'), ...str(4, 'ReduceMean'),
    ...bytesField(5, [...str(1, 'axes'), ...vint(8, 1), ...vint(20, 7)]),
    ...bytesField(5, [...str(1, 'keepdims'), ...vint(3, 0), ...vint(20, 2)])];
  const graph = [...bytesField(1, gather), ...bytesField(1, mean), ...str(2, 'tiny'), ...bytesField(5, init),
    ...bytesField(11, valueInfo('ids', INT64, [1, 'T'])), ...bytesField(12, valueInfo('emb', FLOAT, [1, dim]))];
  const model = [...vint(1, 8), ...str(2, 'higr-test'), ...bytesField(7, graph), ...bytesField(8, [...str(1, ''), ...vint(2, 13)])];
  return Uint8Array.from(model);
}

/**
 * ONNX bytes for a tiny "transformer-shaped" text encoder: inputs input_ids and attention_mask (int64 [1, T]) ->
 * last_hidden_state float [1, T, dim] = E[input_ids] * attention_mask. The same input/output names as the Hub's
 * sentence encoders (e5, bge), so the real loading path can be tested offline.
 */
export function tinyTextEncoderOnnx(embedding: Float32Array, vocab: number, dim: number): Uint8Array {
  const FLOAT = 1, INT64 = 7;
  const raw = Array.from(new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength));
  const initE = [...vint(1, vocab), ...vint(1, dim), ...vint(2, FLOAT), ...str(8, 'E'), ...bytesField(9, raw)];
  const two = Array.from(new Uint8Array(new BigInt64Array([2n]).buffer));
  const initAxes = [...vint(1, 1), ...vint(2, INT64), ...str(8, 'axes2'), ...bytesField(9, two)];
  const intAttr = (name: string, v: number) => bytesField(5, [...str(1, name), ...vint(3, v), ...vint(20, 2)]);
  const node = (inputs: string[], output: string, name: string, op: string, attrs: number[] = []) => [
    ...inputs.flatMap((i) => str(1, i)), ...str(2, output), ...str(3, name), ...str(4, op), ...attrs,
  ];
  const nodes = [
    node(['attention_mask'], 'mf', 'cast', 'Cast', intAttr('to', FLOAT)),
    node(['mf', 'axes2'], 'mu', 'unsqueeze', 'Unsqueeze'),
    node(['E', 'input_ids'], 'g', 'gather', 'Gather', intAttr('axis', 0)),
    node(['g', 'mu'], 'last_hidden_state', 'mul', 'Mul'),
  ];
  const graph = [
    ...nodes.flatMap((n) => bytesField(1, n)), ...str(2, 'tiny-text-encoder'), ...bytesField(5, initE), ...bytesField(5, initAxes),
    ...bytesField(11, valueInfo('input_ids', INT64, [1, 'T'])), ...bytesField(11, valueInfo('attention_mask', INT64, [1, 'T'])),
    ...bytesField(12, valueInfo('last_hidden_state', FLOAT, [1, 'T', dim])),
  ];
  const model = [...vint(1, 8), ...str(2, 'higr-test'), ...bytesField(7, graph), ...bytesField(8, [...str(1, ''), ...vint(2, 13)])];
  return Uint8Array.from(model);
}
