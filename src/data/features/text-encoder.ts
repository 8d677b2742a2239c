// Caption features from a pretrained multilingual sentence encoder (the paper embeds items with bge-m3), opt-in only.
// The files come from the Hugging Face Hub when the user asks for it and is online (tokenizer.json,
// tokenizer_config.json, an ONNX export), are kept in the browser's Cache Storage, tokenized with
// @huggingface/tokenizers and run by onnxruntime-web (wasm) through encodeCaptionsWithOnnx. Tests use a tiny
// generated tokenizer + ONNX model served by a fake fetch: nothing is ever downloaded in tests or CI.
import { Tokenizer } from '@huggingface/tokenizers';
import { encodeCaptionsWithOnnx } from './onnx-encoder';

/** Default: a quantised ONNX export of multilingual-e5-small (KuaiRec captions are Chinese); ~120 MB once. */
export const DEFAULT_TEXT_ENCODER = { repo: 'Xenova/multilingual-e5-small', model: 'onnx/model_quantized.onnx', prefix: 'query: ' };

export interface TextEncoderSource {
  repo: string;
  /** path of the ONNX file inside the repo */
  model: string;
  /** text prepended to every caption (e5 models expect "query: ") */
  prefix?: string;
  /** Hub base URL (tests point it at a fake) */
  base?: string;
}

export interface TextEncoderFiles {
  tokenizerJson: object;
  tokenizerConfig: object;
  model: Uint8Array;
}

type FetchFn = (url: string) => Promise<Response>;

async function cachedFetch(url: string, fetchFn: FetchFn): Promise<Response> {
  const cache = typeof caches !== 'undefined' ? await caches.open('higr-text-encoders').catch(() => null) : null;
  const hit = await cache?.match(url);
  if (hit) return hit;
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} (is the model name right, and are you online?)`);
  await cache?.put(url, res.clone()).catch(() => undefined);
  return res;
}

/** Download (or read from cache) the three files of a Hub text encoder. */
export async function fetchTextEncoder(src: TextEncoderSource, fetchFn: FetchFn = (u) => fetch(u)): Promise<TextEncoderFiles> {
  const root = `${(src.base ?? 'https://huggingface.co').replace(/\/$/, '')}/${src.repo}/resolve/main`;
  const [tj, tc, m] = await Promise.all(
    ['tokenizer.json', 'tokenizer_config.json', src.model].map((f) => cachedFetch(`${root}/${f}`, fetchFn)),
  );
  return { tokenizerJson: await tj.json(), tokenizerConfig: await tc.json(), model: new Uint8Array(await m.arrayBuffer()) };
}

/** One embedding row per text (mean-pooled last hidden state over its tokens). */
export async function encodeTexts(
  files: TextEncoderFiles,
  texts: string[],
  opts: { prefix?: string; maxTokens?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ data: Float32Array; dim: number }> {
  const tok = new Tokenizer(files.tokenizerJson as never, files.tokenizerConfig as never);
  const prefix = opts.prefix ?? '';
  return encodeCaptionsWithOnnx(files.model, (t) => tok.encode(prefix + t).ids, texts, {
    inputName: 'input_ids',
    maxTokens: opts.maxTokens ?? 128,
    onProgress: opts.onProgress,
  });
}
