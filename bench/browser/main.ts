// The kernel benchmark's browser page (bundled by vite from bench/browser/, driven headless by bench/kernels.ts).
// One Chromium page, one WebGPU adapter: our engine (its own GPUDevice) and onnxruntime-web's WebGPU EP (ORT's own
// GPUDevice, requested from the same navigator.gpu) take turns on each shape, then ORT's wasm EP and our CPU reference.
// The CPU rows (our wasm backend with its worker pool on a shared memory, ORT-web's wasm EP) run at `wasmThreads`
// threads on both sides; ORT fixes its thread count when its wasm module first loads, so the Node side opens a fresh
// page per thread count (`cpuOnly` for the extra ones: just those two rows).
//
// onnxruntime-web is loaded at run time from its prebuilt ESM (served at ./ort/ from node_modules/onnxruntime-web/dist)
// rather than bundled: its threaded wasm starts worker threads from its own module URL, which bundling would change.
import * as engine from '../../src/engine/index';
import * as nn from '../../src/models/nn';
import { type DispatchOptions, type DispatchOverhead, logDispatch, measureDispatchOverhead } from '../dispatch';
import type * as OrtNS from 'onnxruntime-web';
import { type BenchCase, type BenchSettings, type Measurement, selectCases } from '../cases';
import {
  type AttentionModule,
  type OrtMode,
  adaptAttention,
  benchInputs,
  defaultVariant,
  degradedRows,
  logMeasurement,
  prepareOrt,
  prepareOurs,
  prepareOursCase,
  referenceOutput,
  timeInterleaved,
} from '../runners';

export interface PageConfig {
  settings: BenchSettings;
  caseIds?: string[];
  /** ORT modes to run (default all) */
  ortModes?: OrtMode[];
  /** threads of our wasm pool and of ORT-web's wasm EP (numThreads), equal on both sides (default 1) */
  wasmThreads?: number;
  /** only the CPU rows (our wasm backend and ORT-web wasm): the pages of the extra thread counts */
  cpuOnly?: boolean;
}

export interface PageResult {
  environment: Record<string, unknown>;
  defaults: Record<string, string | null>;
  measurements: Measurement[];
  /** host cost per dispatch in this page (bench/dispatch.ts; no thread clock in a browser: wall figures only) */
  dispatchOverhead: DispatchOverhead[];
  errors: string[];
}

export interface DispatchPageConfig {
  options: Pick<DispatchOptions, 'n' | 'reps' | 'warmup' | 'workloads'>;
}

/** bench/dispatch.ts in Chromium (wall clock only: a page has no thread CPU clock). */
async function dispatchRows(gpu: engine.WebGPUBackend, options: DispatchPageConfig['options']): Promise<DispatchOverhead[]> {
  const rows = await measureDispatchOverhead(engine, gpu, { ...options, host: 'chromium', nn });
  rows.forEach((d) => logDispatch(log, d));
  return rows;
}

async function runDispatch(cfg: DispatchPageConfig): Promise<{ environment: Record<string, unknown>; dispatchOverhead: DispatchOverhead[] }> {
  const gpu = await engine.initWebGPU();
  log(`our adapter: ${engine.describeAdapter(gpu.info)}`);
  const dispatchOverhead = await dispatchRows(gpu, cfg.options);
  return {
    environment: { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated: self.crossOriginIsolated, ourAdapter: engine.describeAdapter(gpu.info) },
    dispatchOverhead,
  };
}

const logEl = document.getElementById('log');
function log(msg: string) {
  console.log(`[bench] ${msg}`);
  if (logEl) logEl.textContent += `${msg}\n`;
}

/** The engine's attention op (exported by src/engine/index.ts), adapted to the bench's interface. */
function loadAttention(): AttentionModule | null {
  return adaptAttention(engine as unknown as Record<string, unknown>);
}

async function loadOrt(threads: number): Promise<Ort> {
  const base = new URL('./ort/', location.href).href;
  const ort = (await import(/* @vite-ignore */ `${base}ort.webgpu.min.mjs`)) as Ort;
  ort.env.wasm.wasmPaths = base;
  // the same thread count as our wasm backend, so the wasm columns compare kernels, not core counts
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return ort;
}
type Ort = typeof OrtNS;

async function run(cfg: PageConfig): Promise<PageResult> {
  const errors: string[] = [];
  const s = cfg.settings;
  const cases: BenchCase[] = selectCases(s.quick, cfg.caseIds);
  const threads = cfg.wasmThreads ?? 1;
  const gpu = cfg.cpuOnly ? null : await engine.initWebGPU();
  if (gpu) log(`our adapter: ${engine.describeAdapter(gpu.info)}`);
  const attn = loadAttention();
  let wasm: InstanceType<typeof engine.WasmBackend> | null = null;
  try {
    wasm = new engine.WasmBackend(await engine.loadWasm(undefined, { threads })); // equal threads with the page's ORT wasm EP
    if (wasm.threads !== threads) {
      errors.push(`our wasm backend runs ${wasm.threads} thread(s), not ${threads}: ${wasm.describe()} (its rows are left out)`);
      wasm.close();
      wasm = null;
    } else log(`our wasm backend: ${wasm.describe()}`);
  } catch (e) {
    errors.push(`our wasm backend could not be loaded: ${(e as Error).message}`);
  }
  if (!attn) errors.push('the engine exports no attention op: attention rows have ORT figures only');
  let ort: Ort | null = null;
  try {
    ort = await loadOrt(threads);
  } catch (e) {
    errors.push(`onnxruntime-web could not be loaded: ${(e as Error).message}`);
  }
  const modes: OrtMode[] = cfg.cpuOnly ? ['ort-wasm'] : (cfg.ortModes ?? ['ort-webgpu', 'ort-webgpu-mha', 'ort-webgpu-io', 'ort-wasm']);
  const measurements: Measurement[] = [];
  const defaults: Record<string, string | null> = {};
  /** the CPU rows carry their thread count (the report pairs ours and ORT's at equal threads) */
  const cpuImpls = new Set(['wasm', 'ort-wasm']);
  for (const c of cases) {
    log(`case ${c.id}${cfg.cpuOnly ? ` (CPU rows, ${threads} threads)` : ''}`);
    const inputs = benchInputs(c, s.seed);
    const ref = referenceOutput(engine, c, inputs);
    const preps = [];
    if (gpu) {
      defaults[c.id] = defaultVariant(engine, gpu, c, attn);
      preps.push(...(await prepareOursCase(engine, gpu, c, s, 'chromium', attn, inputs, ref)));
    }
    if (wasm) preps.push(await prepareOurs(engine, wasm, c, undefined, 'wasm', 'chromium', s, inputs, ref, attn));
    if (ort) for (const mode of modes) if (mode !== 'ort-webgpu-mha' || c.kind === 'attention') preps.push(await prepareOrt(ort, c, mode, s, inputs, ref));
    const timed = (await timeInterleaved(c, preps, s)).map((m) => (cpuImpls.has(m.impl) ? { ...m, threads } : m));
    const results = wasm ? degradedRows(wasm, threads, timed) : timed;
    results.forEach((m) => logMeasurement(log, m));
    measurements.push(...results);
  }
  wasm?.close();
  // ORT's device (created by its WebGPU EP on first use): record its adapter to show it is the same one as ours.
  let ortAdapter: unknown = null;
  if (ort && gpu) {
    try {
      const dev = (await ort.env.webgpu.device) as GPUDevice & { adapterInfo?: GPUAdapterInfo };
      const ai = dev.adapterInfo;
      ortAdapter = ai ? { vendor: ai.vendor, architecture: ai.architecture, device: ai.device, description: ai.description } : 'adapterInfo not exposed';
    } catch (e) {
      ortAdapter = `unavailable: ${(e as Error).message}`;
    }
  }
  const environment = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
    ourAdapter: gpu ? engine.describeAdapter(gpu.info) : null,
    ourAdapterInfo: gpu ? { vendor: gpu.info.vendor, architecture: gpu.info.architecture, device: gpu.info.device, description: gpu.info.description, features: gpu.info.features } : null,
    ortAdapter,
    ortVersion: ort?.env.versions.web ?? null,
    ortWasmThreads: ort?.env.wasm.numThreads ?? null,
    wasmThreads: wasm ? threads : null,
    wasmDetail: wasm?.describe() ?? null,
    attentionModule: !!attn,
  };
  // --wasm-only pages have no WebGPU backend: no dispatch rows there
  const dispatchOverhead = gpu ? await dispatchRows(gpu, { reps: s.quick ? 15 : 30 }) : [];
  return { environment, defaults, measurements, dispatchOverhead, errors };
}

declare global {
  interface Window {
    __runBench?: (cfg: PageConfig) => Promise<PageResult>;
    __runDispatch?: typeof runDispatch;
    __benchReady?: boolean;
  }
}
window.__runBench = run;
window.__runDispatch = runDispatch;
window.__benchReady = true;
