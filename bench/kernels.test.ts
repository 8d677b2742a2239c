// Keeps the kernel benchmark's code honest without timing anything: shape/FLOP bookkeeping, the ONNX encoder
// (the generated models load and compute the right thing in onnxruntime-web's wasm EP under Node), and the report's
// ratio logic. The benchmark itself (npm run bench:kernels) never asserts timings.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import {
  ALL_CASES,
  QUICK_IDS,
  type AttentionCase,
  type Measurement,
  attentionReference,
  benchCases,
  flops,
  gflops,
  inputShapes,
  maxAbsDiff,
  measurement,
  median,
  outputShape,
  seededData,
  shapeLabel,
} from './cases';
import { attentionGraphModel, attentionMhaModel, decodeFields, encodeModel, matmulModel } from './onnx';
import { markdownTables, ratios, tolerance } from './report';
import { degradedRows } from './runners';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const td = new TextDecoder();
const fieldsOf = (b: Uint8Array, n: number) => decodeFields(b).filter((f) => f.field === n);
const str = (v: unknown) => td.decode(v as Uint8Array);

function matmulRef(A: Float32Array, B: Float32Array, M: number, K: number, N: number): Float32Array {
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += A[i * K + k] * B[k * N + j];
    C[i * N + j] = acc;
  }
  return C;
}

describe('bench bookkeeping', () => {
  it('cases: unique ids, model-scale shapes, FLOP counts, quick subset', () => {
    expect(new Set(ALL_CASES.map((c) => c.id)).size).toBe(ALL_CASES.length);
    for (const c of ALL_CASES) {
      if (c.kind === 'matmul') {
        expect(flops(c)).toBe(2 * c.M * c.N * c.K);
        if (!c.probe) {
          // batch×tokens 256–2048 rows (M, or K for the weight gradient Xᵀ·dY), and every matmul touches d_model 64–128
          const rows = c.transA ? c.K : c.M;
          expect(rows).toBeGreaterThanOrEqual(256);
          expect(rows).toBeLessThanOrEqual(2048);
          expect([c.M, c.K, c.N].some((d) => d === 64 || d === 128)).toBe(true);
        }
        expect(inputShapes(c)).toEqual([c.transA ? [c.K, c.M] : [c.M, c.K], c.transB ? [c.N, c.K] : [c.K, c.N]]);
        expect(outputShape(c)).toEqual([c.M, c.N]);
      } else {
        expect(flops(c)).toBe(4 * c.B * c.H * c.Tq * c.Tk * c.dh);
        expect(inputShapes(c)[0]).toEqual([c.B, c.Tq, c.H * c.dh]);
        expect(outputShape(c)).toEqual([c.B, c.Tq, c.H * c.dh]);
      }
    }
    // the example shapes are all present
    const find = (M: number, K: number, N: number) => ALL_CASES.some((c) => c.kind === 'matmul' && c.M === M && c.K === K && c.N === N);
    expect(find(1024, 128, 512) && find(1024, 512, 128) && find(256, 64, 1024)).toBe(true);
    // the backward pass's transposed products are benchmarked too: A·Bᵀ and Aᵀ·B
    expect(ALL_CASES.some((c) => c.kind === 'matmul' && c.transB && !c.transA)).toBe(true);
    expect(ALL_CASES.some((c) => c.kind === 'matmul' && c.transA && !c.transB)).toBe(true);
    const dw = ALL_CASES.find((c) => c.id === 'ffn-up-1024-dw')!;
    expect(shapeLabel(dw)).toBe('(1024×128)ᵀ·(1024×512)');
    expect(shapeLabel(ALL_CASES.find((c) => c.id === 'ffn-up-1024-dx')!)).toBe('(1024×512)·(128×512)ᵀ');
    const quick = benchCases(true);
    expect(quick.map((c) => c.id)).toEqual(QUICK_IDS);
    expect(quick.some((c) => c.kind === 'matmul') && quick.some((c) => c.kind === 'attention')).toBe(true);
    expect(benchCases(false)).toEqual(ALL_CASES);
  });

  it('statistics: median, GFLOP/s, max |diff|, seeded data', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(gflops(2e9, 1000)).toBeCloseTo(2, 12);
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff([1, NaN], [1, 2])).toBe(Infinity);
    expect(maxAbsDiff([1], [1, 2])).toBe(Infinity);
    const a = seededData(1000, 3);
    expect(seededData(1000, 3)).toEqual(a);
    expect(seededData(1000, 4)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a)).toBeLessThan(1);
  });
});

describe('ONNX encoder', () => {
  it('writes a structurally valid ModelProto (ir_version, opset, graph with one MatMul node, typed inputs)', () => {
    const bytes = matmulModel(5, 3, 4);
    const top = decodeFields(bytes);
    expect(top.find((f) => f.field === 1)?.value).toBe(8n); // ir_version
    const opset = fieldsOf(bytes, 8).map((f) => decodeFields(f.value as Uint8Array));
    expect(opset).toHaveLength(1);
    expect(opset[0].find((f) => f.field === 2)?.value).toBe(17n);
    const graph = fieldsOf(bytes, 7)[0].value as Uint8Array;
    const nodes = fieldsOf(graph, 1).map((f) => f.value as Uint8Array);
    expect(nodes).toHaveLength(1);
    expect(str(fieldsOf(nodes[0], 4)[0].value)).toBe('MatMul');
    expect(fieldsOf(nodes[0], 1).map((f) => str(f.value))).toEqual(['A', 'B']);
    const inputs = fieldsOf(graph, 11).map((f) => f.value as Uint8Array);
    expect(inputs.map((i) => str(fieldsOf(i, 1)[0].value))).toEqual(['A', 'B']);
    // A's shape dims are 5 and 3
    const typeA = fieldsOf(fieldsOf(inputs[0], 2)[0].value as Uint8Array, 1)[0].value as Uint8Array;
    const shapeA = fieldsOf(typeA, 2)[0].value as Uint8Array;
    expect(fieldsOf(shapeA, 1).map((d) => decodeFields(d.value as Uint8Array)[0].value)).toEqual([5n, 3n]);
    expect(() => decodeFields(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => encodeModel({ name: 'x', nodes: [{ op: 'Y', inputs: [], outputs: [], attrs: { a: 0.5 } }], inputs: [], outputs: [] })).toThrow(/float/);
  });

  it('the MatMul model runs in onnxruntime-web (wasm EP, Node) and matches a plain matmul', async () => {
    const [M, K, N] = [7, 5, 6];
    const A = seededData(M * K, 1);
    const B = seededData(K * N, 2);
    const s = await ort.InferenceSession.create(matmulModel(M, K, N), { executionProviders: ['wasm'] });
    const r = await s.run({ A: new ort.Tensor('float32', A, [M, K]), B: new ort.Tensor('float32', B, [K, N]) });
    expect(r.Y.dims).toEqual([M, N]);
    expect(maxAbsDiff(r.Y.data as Float32Array, matmulRef(A, B, M, K, N))).toBeLessThan(1e-5);
    await s.release();
  });

  it('a transposed operand becomes one Gemm node (transA / transB) that matches the plain product', async () => {
    const [M, K, N] = [7, 5, 6];
    const A = seededData(M * K, 1);
    const B = seededData(K * N, 2);
    const ref = matmulRef(A, B, M, K, N);
    const tr = (x: Float32Array, r: number, c: number) => Float32Array.from({ length: r * c }, (_, i) => x[(i % r) * c + Math.floor(i / r)]);
    for (const t of [{ transA: true }, { transB: true }, { transA: true, transB: true }]) {
      const bytes = matmulModel(M, K, N, t);
      const node = fieldsOf(fieldsOf(bytes, 7)[0].value as Uint8Array, 1)[0].value as Uint8Array;
      expect(str(fieldsOf(node, 4)[0].value)).toBe('Gemm');
      const a = t.transA ? tr(A, M, K) : A; // stored (K, M)
      const b = t.transB ? tr(B, K, N) : B; // stored (N, K)
      const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const r = await s.run({ A: new ort.Tensor('float32', a, t.transA ? [K, M] : [M, K]), B: new ort.Tensor('float32', b, t.transB ? [N, K] : [K, N]) });
      expect(r.Y.dims).toEqual([M, N]);
      expect(maxAbsDiff(r.Y.data as Float32Array, ref), JSON.stringify(t)).toBeLessThan(1e-5);
      await s.release();
    }
  });

  it('attention models (op graph and com.microsoft MultiHeadAttention) match the bench reference, cross and causal', async () => {
    const cases: AttentionCase[] = [
      { kind: 'attention', id: 'x', what: '', B: 2, H: 2, dh: 4, Tq: 3, Tk: 5, causal: false },
      { kind: 'attention', id: 'c', what: '', B: 2, H: 2, dh: 4, Tq: 4, Tk: 4, causal: true },
      { kind: 'attention', id: 'cr', what: '', B: 1, H: 2, dh: 4, Tq: 2, Tk: 5, causal: true }, // bottom-right aligned
    ];
    for (const c of cases) {
      const [qs, ks] = inputShapes(c);
      const q = seededData(qs.reduce((a, b) => a * b), 11);
      const k = seededData(ks.reduce((a, b) => a * b), 12);
      const v = seededData(ks.reduce((a, b) => a * b), 13);
      const ref = attentionReference(c, q, k, v);
      const feeds = { q: new ort.Tensor('float32', q, qs), k: new ort.Tensor('float32', k, ks), v: new ort.Tensor('float32', v, ks) };
      const d = { B: c.B, H: c.H, dh: c.dh, Tq: c.Tq, Tk: c.Tk, causal: c.causal };
      const g = await ort.InferenceSession.create(attentionGraphModel(d), { executionProviders: ['wasm'] });
      expect(maxAbsDiff((await g.run(feeds)).o.data as Float32Array, ref), `graph ${c.id}`).toBeLessThan(1e-5);
      await g.release();
      if (!c.causal || c.Tq === c.Tk) {
        // MultiHeadAttention's `unidirectional` mask is only defined for self-attention (Tq = Tk)
        const m = await ort.InferenceSession.create(attentionMhaModel(d), { executionProviders: ['wasm'] });
        expect(maxAbsDiff((await m.run(feeds)).o.data as Float32Array, ref), `mha ${c.id}`).toBeLessThan(1e-5);
        await m.release();
      }
    }
  });
});

describe('report', () => {
  it('ratios use valid figures only; failures and wrong outputs become footnotes', () => {
    const mm = ALL_CASES.find((c) => c.id === 'ffn-up-1024')!;
    const at = ALL_CASES.find((c) => c.id === 'cross-5x50')!;
    const ms = (c: typeof mm, impl: string, msTime: number, err: number | null = 0): Measurement =>
      measurement(c, impl, 'chromium', [msTime, msTime * 1.1, msTime * 0.9], err);
    const list: Measurement[] = [
      ms(mm, 'ours:naive', 400),
      ms(mm, 'ours:blocked4x4', 50),
      ms(mm, 'ours:tiled', 10, 1), // fastest but wrong: must not count
      ms(mm, 'ort-webgpu', 100),
      ms(mm, 'ours-io', 60),
      ms(mm, 'ort-webgpu-io', 90),
      ms(at, 'ours:rowwise', 2),
      ms(at, 'ort-webgpu', 10),
      ms(at, 'ort-webgpu-mha', 8),
      { ...ms(at, 'ours:tiled', 1), error: 'pipeline invalid', gflops: NaN },
      measurement(mm, 'wasm', 'node', [4, 4, 4], 0),
      measurement(mm, 'ort-wasm', 'node', [5, 5, 5], 0),
      measurement(at, 'wasm', 'node', [1, 1, 1], 1), // wrong output: no ratio
      measurement(at, 'ort-wasm', 'node', [2, 2, 2], 0),
    ];
    const defaults = { 'ffn-up-1024': 'blocked4x4', 'cross-5x50': 'rowwise' };
    const [r1, r2] = ratios([mm, at], list, defaults);
    expect(r1.bestOurs).toBe('ours:blocked4x4');
    expect(r1.bestOverOrt).toBeCloseTo(2, 10);
    expect(r1.defaultOverOrt).toBeCloseTo(2, 10);
    expect(r1.ioOverOrtIo).toBeCloseTo(1.5, 10);
    expect(r2.ortImpl).toBe('ort-webgpu-mha'); // the faster ORT form is the baseline
    expect(r2.bestOverOrt).toBeCloseTo(4, 10);
    expect(r1.wasmOverOrtWasm).toBeCloseTo(1.25, 10); // same FLOPs, 4 ms vs 5 ms
    expect(r2.wasmOverOrtWasm).toBeNull();
    expect(r2.ortWasmGflops).toBeGreaterThan(0);
    const md = markdownTables([mm, at], list, defaults);
    expect(md).toContain('| ffn-up-1024 | (1024×128)·(128×512) | 134.2 |');
    expect(md).toMatch(/output differs from the reference, max\|err\| = 1/);
    expect(md).toMatch(/pipeline invalid/);
    expect(md).toContain('2.00×');
    expect(md).toContain('our wasm SIMD backend vs onnxruntime-web wasm EP');
    expect(r1.chromiumWasmOverOrtWasm).toBeNull(); // no chromium wasm figures in this list
    expect(r1.chromiumByThreads).toEqual([]);
    expect(md).toContain('1.25×');
    // thread counts: Node 1 and 2, Chromium 1 and 2 (a page each) are paired at equal threads, never across counts
    const cm = (impl: string, host: Measurement['host'], t: number, msTime: number): Measurement => ({ ...measurement(mm, impl, host, [msTime], 0), threads: t });
    const threaded = [
      ...list,
      cm('wasm', 'node', 2, 2),
      cm('ort-wasm', 'node', 2, 4),
      cm('wasm', 'chromium', 1, 8),
      cm('ort-wasm', 'chromium', 1, 4),
      cm('wasm', 'chromium', 2, 3),
      cm('ort-wasm', 'chromium', 2, 6),
    ];
    const [t1] = ratios([mm], threaded, defaults);
    const round = (xs: { threads: number; wasmOverOrtWasm: number | null }[]) => xs.map((x) => [x.threads, Math.round(x.wasmOverOrtWasm! * 1e9) / 1e9]);
    expect(round(t1.byThreads)).toEqual([[1, 1.25], [2, 2]]);
    expect(round(t1.chromiumByThreads)).toEqual([[1, 0.5], [2, 2]]);
    expect(t1.chromiumWasmOverOrtWasm).toBeCloseTo(0.5, 10);
    const tmd = markdownTables([mm], threaded, defaults);
    expect(tmd).toContain('Node 2t: ours / ORT');
    expect(tmd).toContain('Chromium 2t: ours / ORT');
    expect(tmd).toMatch(/\| ffn-up-1024 \| \(1024×128\)·\(128×512\) \| [^\n]*1\.25× \|[^\n]*2\.00× \|[^\n]*0\.50× \|[^\n]*2\.00× \|/);
    expect(tolerance(mm)).toBeGreaterThan(0);
  });

  it('our wasm rows timed after the worker pool fell back to one thread become failures naming why (no ratio)', () => {
    const mm = ALL_CASES.find((c) => c.id === 'ffn-up-1024')!;
    const rows = [{ ...measurement(mm, 'wasm', 'node', [4], 0), threads: 2 }, { ...measurement(mm, 'ort-wasm', 'node', [5], 0), threads: 2 }];
    const healthy = { threads: 2, describe: () => 'wasm (SIMD128, 2 threads)' };
    expect(degradedRows(healthy, 2, rows)).toEqual(rows);
    const lost = { threads: 1, describe: () => 'wasm (SIMD128, 1 thread: the worker pool stopped (worker 1 exited (code 1)))' };
    const got = degradedRows(lost, 2, rows);
    expect(got[0].error).toMatch(/ran on 1 of 2 threads: .*worker 1 exited/);
    expect(got[1]).toEqual(rows[1]);
    const [r] = ratios([mm], got, {});
    expect(r.byThreads).toEqual([{ threads: 2, wasmGflops: null, ortWasmGflops: r.byThreads[0].ortWasmGflops, wasmOverOrtWasm: null }]);
    expect(markdownTables([mm], got, {})).toMatch(/ran on 1 of 2 threads/);
  });
});
