import { describe, expect, it } from 'vitest';
import { tinyTextEncoderOnnx } from './onnx-tiny';
import { encodeTexts, fetchTextEncoder } from './text-encoder';

// A tiny WordLevel tokenizer in the Hub's tokenizer.json format and a matching ONNX "encoder" (embedding lookup).
const vocab: Record<string, number> = { '[UNK]': 0, 'query:': 1, 美食: 2, 猫: 3, 狗: 4, 旅行: 5 };
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'WhitespaceSplit' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
};
const tokenizerConfig = { model_max_length: 128, unk_token: '[UNK]' };
const V = 6, D = 3;
const E = Float32Array.from({ length: V * D }, (_, i) => (i % 7) - 3 + Math.floor(i / D) * 0.5);
const row = (id: number) => Array.from(E.subarray(id * D, id * D + D));

function fakeHub(files: Record<string, string | Uint8Array>) {
  const asked: string[] = [];
  const fetchFn = async (url: string) => {
    asked.push(url);
    const f = Object.entries(files).find(([k]) => url.endsWith(k));
    if (!f) return new Response('not found', { status: 404 });
    return new Response(f[1] as BodyInit, { status: 200 });
  };
  return { fetchFn, asked };
}

describe('opt-in text encoder (Hub files, offline with a tiny generated model)', () => {
  const hub = {
    'tokenizer.json': JSON.stringify(tokenizerJson),
    'tokenizer_config.json': JSON.stringify(tokenizerConfig),
    'onnx/model_quantized.onnx': tinyTextEncoderOnnx(E, V, D),
  };
  it('fetches tokenizer + ONNX model from the repo URLs and mean-pools the last hidden state per caption', async () => {
    const { fetchFn, asked } = fakeHub(hub);
    const files = await fetchTextEncoder({ repo: 'test/tiny', model: 'onnx/model_quantized.onnx', base: 'http://hub.test' }, fetchFn);
    expect(asked.sort()).toEqual([
      'http://hub.test/test/tiny/resolve/main/onnx/model_quantized.onnx',
      'http://hub.test/test/tiny/resolve/main/tokenizer.json',
      'http://hub.test/test/tiny/resolve/main/tokenizer_config.json',
    ]);
    const out = await encodeTexts(files, ['美食 猫', '狗', '旅行 未知词'], { prefix: 'query: ' });
    expect(out.dim).toBe(D);
    const mean = (ids: number[]) => Array.from({ length: D }, (_, j) => ids.reduce((a, id) => a + row(id)[j], 0) / ids.length);
    const want = [mean([1, 2, 3]), mean([1, 4]), mean([1, 5, 0])].flat();
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });
  it('a missing file is a clear error naming the URL', async () => {
    const { fetchFn } = fakeHub({ 'tokenizer.json': hub['tokenizer.json'] });
    await expect(fetchTextEncoder({ repo: 'test/tiny', model: 'onnx/model.onnx', base: 'http://hub.test' }, fetchFn)).rejects.toThrow(
      /tokenizer_config\.json: HTTP 404|model\.onnx: HTTP 404/,
    );
  });
});
