// Optional text-encoder path (opt-in only): runs a user-supplied ONNX text encoder with onnxruntime-web (wasm backend).
// The model takes int64 token ids of shape [1, T] (plus attention_mask / token_type_ids when it declares them, as the
// Hub's sentence encoders do) and returns [1, D] (pooled) or [1, T, D] (mean-pooled here).
// onnxruntime-web is imported lazily so nothing is loaded unless the user opts in. Nothing is ever downloaded.

export type TokenizeFn = (text: string) => ArrayLike<number>;

export interface OnnxEncodeOptions {
  inputName?: string;
  outputName?: string;
  /** Truncate token sequences to this length (default 128). */
  maxTokens?: number;
  /** Called after each caption. */
  onProgress?: (done: number, total: number) => void;
}

export async function encodeCaptionsWithOnnx(
  modelBytes: Uint8Array,
  tokenizeFn: TokenizeFn,
  captions: string[],
  opts: OnnxEncodeOptions = {},
): Promise<{ data: Float32Array; dim: number }> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer requirement (works without COOP/COEP and in Node)
  const session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
  try {
    const inputName = opts.inputName ?? session.inputNames[0];
    const outputName = opts.outputName ?? session.outputNames[0];
    const maxT = opts.maxTokens ?? 128;
    let dim = -1;
    const rows: (Float32Array | null)[] = [];
    for (let c = 0; c < captions.length; c++) {
      const tok = Array.from(tokenizeFn(captions[c])).slice(0, maxT);
      if (!tok.length) { rows.push(null); continue; }
      const ids = new ort.Tensor('int64', BigInt64Array.from(tok, (t) => BigInt(Math.trunc(t))), [1, tok.length]);
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { [inputName]: ids };
      if (session.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(tok.length).fill(1n), [1, tok.length]);
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(tok.length), [1, tok.length]);
      const out = (await session.run(feeds))[outputName];
      const v = out.data as Float32Array;
      const d = out.dims[out.dims.length - 1];
      const row = new Float32Array(d);
      if (out.dims.length === 3) {
        const T = out.dims[1];
        for (let t = 0; t < T; t++) for (let j = 0; j < d; j++) row[j] += v[t * d + j] / T;
      } else row.set(v.subarray(0, d));
      if (dim < 0) dim = d;
      else if (d !== dim) throw new Error(`ONNX encoder returned ${d} dims for caption ${c}, ${dim} before`);
      rows.push(row);
      opts.onProgress?.(c + 1, captions.length);
    }
    if (dim < 0) throw new Error('no caption produced any token');
    const data = new Float32Array(captions.length * dim);
    rows.forEach((r, i) => { if (r) data.set(r, i * dim); });
    return { data, dim };
  } finally {
    await session.release();
  }
}
