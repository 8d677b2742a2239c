import { describe, expect, it } from 'vitest';
import { encodeCaptionsWithOnnx } from './onnx-encoder';
import { tinyEmbeddingBagOnnx } from './onnx-tiny';

describe('encodeCaptionsWithOnnx (offline, tiny generated model)', () => {
  it('runs Gather+ReduceMean in onnxruntime-web (wasm) and matches the CPU mean of embedding rows', async () => {
    const vocab = 50, dim = 4;
    const E = Float32Array.from({ length: vocab * dim }, (_, i) => Math.sin(i * 0.37));
    const model = tinyEmbeddingBagOnnx(E, vocab, dim);
    const tokenize = (s: string) => Array.from(s).map((ch) => ch.codePointAt(0)! % vocab);
    const captions = ['精神小伙', 'abc', '', 'z'];
    const { data, dim: d } = await encodeCaptionsWithOnnx(model, tokenize, captions);
    expect(d).toBe(dim);
    captions.forEach((c, i) => {
      const tok = tokenize(c);
      for (let j = 0; j < dim; j++) {
        const want = tok.length ? tok.reduce((s, t) => s + E[t * dim + j], 0) / tok.length : 0;
        expect(data[i * dim + j]).toBeCloseTo(want, 5);
      }
    });
  });
});
