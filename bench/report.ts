// Tables and ratios from the benchmark's measurements (pure; used by bench/kernels.ts and its test).
import { type BenchCase, type Measurement, IMPL_LABELS, flops, shapeLabel } from './cases';

export const OURS_VARIANT_COLUMNS = ['ours:naive', 'ours:blocked4x4', 'ours:tiled', 'ours:vec4', 'ours:tiledVec4', 'ours:rowwise'];

/** Tolerance for "output agrees with the reference" (inputs are uniform in [-1, 1), f32 accumulation). */
export function tolerance(c: BenchCase): number {
  return c.kind === 'matmul' ? 2e-5 * c.K : 1e-3;
}

function find(ms: Measurement[], caseId: string, impl: string, host: Measurement['host'], threads = 1): Measurement | undefined {
  return ms.find((m) => m.caseId === caseId && m.impl === impl && m.host === host && (m.threads ?? 1) === threads);
}

/** Thread counts of the CPU rows (our wasm / ORT-web wasm) on one host (Node by default), ascending. */
export function cpuThreadCounts(ms: Measurement[], host: Measurement['host'] = 'node'): number[] {
  return [...new Set(ms.filter((m) => m.host === host && (m.impl === 'wasm' || m.impl === 'ort-wasm')).map((m) => m.threads ?? 1))].sort((a, b) => a - b);
}

export interface ThreadRatio {
  threads: number;
  wasmGflops: number | null;
  ortWasmGflops: number | null;
  wasmOverOrtWasm: number | null;
}

const ok = (m: Measurement | undefined): m is Measurement => !!m && !m.error && Number.isFinite(m.gflops);
/** A figure that counts: it ran, and its output matched the reference. */
const valid = (m: Measurement | undefined, c: BenchCase): m is Measurement => ok(m) && m.maxAbsErr !== null && m.maxAbsErr <= tolerance(c);

function cell(m: Measurement | undefined, c: BenchCase, notes: string[]): string {
  if (!m) return '—';
  if (m.error) {
    if (m.error === 'n/a') return '—';
    notes.push(`${c.id} / ${IMPL_LABELS[m.impl] ?? m.impl} (${m.host}): ${m.error}`);
    return `fail[${notes.length}]`;
  }
  const g = m.gflops;
  let s = g >= 10 ? g.toFixed(1) : g >= 1 ? g.toFixed(2) : g.toFixed(3);
  if (m.maxAbsErr !== null && !(m.maxAbsErr <= tolerance(c))) {
    notes.push(`${c.id} / ${IMPL_LABELS[m.impl] ?? m.impl} (${m.host}): output differs from the reference, max|err| = ${m.maxAbsErr}`);
    s += ` ⚠[${notes.length}]`;
  }
  return s;
}

export interface Ratio {
  caseId: string;
  /** our fastest GPU variant in Chromium */
  bestOurs: string | null;
  bestOursGflops: number | null;
  /** the variant the engine picks by default on this adapter */
  defaultOurs: string | null;
  defaultOursGflops: number | null;
  /** the faster of ORT's WebGPU graph and (attention) its fused MultiHeadAttention op */
  ortImpl: string | null;
  ortGflops: number | null;
  /** speed ratios ours / ORT-web WebGPU (>1 = ours faster); the issue's target is >= 2 */
  bestOverOrt: number | null;
  defaultOverOrt: number | null;
  /** CPU arrays in and out on both sides (our default variant uploading + reading back vs ORT given CPU tensors) */
  ioOverOrtIo: number | null;
  /** Node, CPU, equal threads (environment.nodeWasmThreads): our wasm SIMD backend vs onnxruntime-web's wasm EP */
  wasmGflops: number | null;
  ortWasmGflops: number | null;
  /** issue 13 target: >= 0.7 */
  wasmOverOrtWasm: number | null;
  /** Node, per thread count (1, 2, …): ours and ORT-web wasm at that many threads each */
  byThreads: ThreadRatio[];
  /** the same in Chromium at 1 thread (ours and the page's ORT wasm EP) */
  chromiumWasmGflops: number | null;
  chromiumOrtWasmGflops: number | null;
  chromiumWasmOverOrtWasm: number | null;
  /** Chromium, per thread count (one page each): our wasm pool (Web Workers) vs ORT-web wasm with numThreads = threads */
  chromiumByThreads: ThreadRatio[];
}

export function ratios(cases: BenchCase[], ms: Measurement[], defaults: Record<string, string | null>): Ratio[] {
  const host = 'chromium' as const;
  return cases.filter((c) => !isProbe(c)).map((c) => {
    const ours = OURS_VARIANT_COLUMNS.map((k) => find(ms, c.id, k, host)).filter((m) => valid(m, c));
    const best = ours.reduce<Measurement | null>((a, m) => (!a || m.gflops > a.gflops ? m : a), null);
    const dflt = defaults[c.id] ? find(ms, c.id, `ours:${defaults[c.id]}`, host) : undefined;
    const orts = ['ort-webgpu', 'ort-webgpu-mha'].map((k) => find(ms, c.id, k, host)).filter((m) => valid(m, c));
    const ort = orts.reduce<Measurement | null>((a, m) => (!a || m.gflops > a.gflops ? m : a), null);
    const io = find(ms, c.id, 'ours-io', host);
    const ortIo = find(ms, c.id, 'ort-webgpu-io', host);
    const wasmM = find(ms, c.id, 'wasm', 'node');
    const ortWasmM = find(ms, c.id, 'ort-wasm', 'node');
    const cWasm = find(ms, c.id, 'wasm', host);
    const cOrtWasm = find(ms, c.id, 'ort-wasm', host);
    const r = (a: Measurement | null | undefined, b: Measurement | null | undefined) =>
      valid(a ?? undefined, c) && valid(b ?? undefined, c) ? a!.gflops / b!.gflops : null;
    const perThreads = (h: Measurement['host']): ThreadRatio[] =>
      cpuThreadCounts(ms, h).map((t) => {
        const w = find(ms, c.id, 'wasm', h, t);
        const o = find(ms, c.id, 'ort-wasm', h, t);
        return { threads: t, wasmGflops: valid(w, c) ? w.gflops : null, ortWasmGflops: valid(o, c) ? o.gflops : null, wasmOverOrtWasm: r(w, o) };
      });
    return {
      caseId: c.id,
      bestOurs: best?.impl ?? null,
      bestOursGflops: best?.gflops ?? null,
      defaultOurs: valid(dflt, c) ? dflt.impl : null,
      defaultOursGflops: valid(dflt, c) ? dflt.gflops : null,
      ortImpl: ort?.impl ?? null,
      ortGflops: ort?.gflops ?? null,
      bestOverOrt: r(best, ort),
      defaultOverOrt: r(dflt, ort),
      ioOverOrtIo: r(io, ortIo),
      wasmGflops: valid(wasmM, c) ? wasmM.gflops : null,
      ortWasmGflops: valid(ortWasmM, c) ? ortWasmM.gflops : null,
      wasmOverOrtWasm: r(wasmM, ortWasmM),
      byThreads: perThreads('node'),
      chromiumWasmGflops: valid(cWasm, c) ? cWasm.gflops : null,
      chromiumOrtWasmGflops: valid(cOrtWasm, c) ? cOrtWasm.gflops : null,
      chromiumWasmOverOrtWasm: r(cWasm, cOrtWasm),
      chromiumByThreads: perThreads(host),
    };
  });
}

const isProbe = (c: BenchCase) => c.kind === 'matmul' && !!c.probe;

const fmtRatio = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);

/** Markdown tables: Chromium (same adapter: ours vs ORT-web), then Node/Dawn (ours), then footnotes. */
export function markdownTables(cases: BenchCase[], ms: Measurement[], defaults: Record<string, string | null>): string {
  const notes: string[] = [];
  const lines: string[] = [];
  const rs = ratios(cases, ms, defaults);
  const chromeCols = [...OURS_VARIANT_COLUMNS, 'ort-webgpu', 'ort-webgpu-mha', 'ours-io', 'ort-webgpu-io', 'wasm', 'ort-wasm', 'cpu-ref'];
  const present = (cols: string[], host: Measurement['host']) => cols.filter((k) => ms.some((m) => m.impl === k && m.host === host && m.error !== 'n/a'));
  const cc = present(chromeCols, 'chromium');
  if (cc.length) {
    lines.push('**Chromium, one WebGPU adapter — GFLOP/s (median), higher is better**', '');
    lines.push(`| case | shape | MFLOP | ${cc.map((k) => IMPL_LABELS[k] ?? k).join(' | ')} | default | best ours / ORT-WebGPU | default / ORT-WebGPU | CPU I/O: ours / ORT |`);
    lines.push(`|${'---|'.repeat(cc.length + 7)}`);
    for (const c of cases.filter((x) => !isProbe(x))) {
      const r = rs.find((x) => x.caseId === c.id)!;
      const cells = cc.map((k) => cell(find(ms, c.id, k, 'chromium'), c, notes));
      lines.push(
        `| ${c.id} | ${shapeLabel(c)} | ${(flops(c) / 1e6).toFixed(1)} | ${cells.join(' | ')} | ${defaults[c.id] ?? '—'} | ${fmtRatio(r.bestOverOrt)}${r.bestOurs ? ` (${r.bestOurs.replace('ours:', '')} vs ${r.ortImpl === 'ort-webgpu-mha' ? 'MHA op' : 'graph'})` : ''} | ${fmtRatio(r.defaultOverOrt)} | ${fmtRatio(r.ioOverOrtIo)} |`,
      );
    }
    lines.push('');
  }
  const nodeCols = present([...OURS_VARIANT_COLUMNS, 'ours-io', 'cpu-ref'], 'node-dawn');
  if (nodeCols.length) {
    lines.push('**Node + Dawn (npm `webgpu`), same SwiftShader — GFLOP/s (median)**', '');
    lines.push(`| case | shape | ${nodeCols.map((k) => IMPL_LABELS[k] ?? k).join(' | ')} |`);
    lines.push(`|${'---|'.repeat(nodeCols.length + 2)}`);
    for (const c of cases.filter((x) => !isProbe(x))) {
      lines.push(`| ${c.id} | ${shapeLabel(c)} | ${nodeCols.map((k) => cell(find(ms, c.id, k, 'node-dawn'), c, notes)).join(' | ')} |`);
    }
    lines.push('');
  }
  const cpuHosts = (['node', 'chromium'] as const).filter((h) => cpuThreadCounts(ms, h).length && ms.some((m) => m.host === h && (m.impl === 'wasm' || m.impl === 'ort-wasm') && m.error !== 'n/a'));
  if (cpuHosts.length) {
    const cols = cpuHosts.flatMap((h) => cpuThreadCounts(ms, h).map((t) => ({ h, t, label: `${h === 'node' ? 'Node' : 'Chromium'} ${t}t` })));
    lines.push(`**CPU at equal threads: our wasm SIMD backend vs onnxruntime-web wasm EP — GFLOP/s (median), ours / ORT (target ≥ 0.7×)**`, '');
    const head = cols.flatMap(({ label }) => [`${label}: ours`, `${label}: ORT`, `${label}: ours / ORT`]);
    lines.push(`| case | shape | ${head.join(' | ')} |`);
    lines.push(`|${'---|'.repeat(head.length + 2)}`);
    for (const c of cases.filter((x) => !isProbe(x))) {
      const r = rs.find((x) => x.caseId === c.id)!;
      const cells = cols.flatMap(({ h, t }) => {
        const bt = (h === 'node' ? r.byThreads : r.chromiumByThreads).find((x) => x.threads === t);
        return [cell(find(ms, c.id, 'wasm', h, t), c, notes), cell(find(ms, c.id, 'ort-wasm', h, t), c, notes), fmtRatio(bt?.wasmOverOrtWasm ?? null)];
      });
      lines.push(`| ${c.id} | ${shapeLabel(c)} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  const probes = cases.filter(isProbe);
  const probeCols = [...new Set([...present(chromeCols, 'chromium'), ...present([...OURS_VARIANT_COLUMNS, 'ours-io', 'cpu-ref'], 'node-dawn')])];
  if (probes.length && probeCols.length) {
    const cols = present(chromeCols, 'chromium');
    const ncols = present([...OURS_VARIANT_COLUMNS, 'ours-io', 'cpu-ref'], 'node-dawn');
    lines.push('**Per-call floor — median ms of a tiny call (8×8·8×8 matmul): the fixed cost every call pays**', '');
    lines.push(`| case | host | ${[...new Set([...cols, ...ncols])].map((k) => IMPL_LABELS[k] ?? k).join(' | ')} |`);
    const all = [...new Set([...cols, ...ncols])];
    lines.push(`|${'---|'.repeat(all.length + 2)}`);
    for (const c of probes) {
      for (const host of ['chromium', 'node-dawn'] as const) {
        if (!ms.some((m) => m.caseId === c.id && m.host === host)) continue;
        const cellsMs = all.map((k) => {
          const m = find(ms, c.id, k, host);
          if (!m || m.error === 'n/a') return '—';
          if (m.error) return 'fail';
          return `${m.medianMs.toFixed(2)}${m.maxAbsErr !== null && !(m.maxAbsErr <= tolerance(c)) ? ' ⚠' : ''}`;
        });
        lines.push(`| ${c.id} | ${host} | ${cellsMs.join(' | ')} |`);
      }
    }
    lines.push('');
  }
  if (notes.length) {
    lines.push(...notes.map((n, i) => `[${i + 1}] ${n}`), '');
  }
  return lines.join('\n');
}
