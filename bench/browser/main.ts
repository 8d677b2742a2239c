// The kernel benchmark's browser page (bundled by vite from bench/browser/, driven headless by bench/kernels.ts).
// One Chromium page, one WebGPU adapter: our engine (its own GPUDevice) and onnxruntime-web's WebGPU EP (ORT's own
// GPUDevice, requested from the same navigator.gpu) take turns on each shape, then ORT's wasm EP and our CPU reference.
//
// onnxruntime-web is loaded at run time from its prebuilt ESM (served at ./ort/ from node_modules/onnxruntime-web/dist)
// rather than bundled: its threaded wasm starts worker threads from its own module URL, which bundling would change.
import * as engine from '../../src/engine/index';
import * as nn from '../../src/models/nn';
import { type DispatchOptions, type DispatchOverhead, logDispatch, measureDispatchOverhead } from '../dispatch';
import type * as OrtNS from 'onnxruntime-web';
import { type BenchCase, type BenchSettings, type Measurement, benchCases } from '../cases';
import {
  type AttentionModule,
  type OrtMode,
  adaptAttention,
  benchInputs,
  defaultVariant,
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

async function loadOrt(): Promise<Ort> {
  const base = new URL('./ort/', location.href).href;
  const ort = (await import(/* @vite-ignore */ `${base}ort.webgpu.min.mjs`)) as Ort;
  ort.env.wasm.wasmPaths = base;
  // the same thread count as our wasm backend (1 thread: its threads are not implemented yet), so the wasm columns compare
  // kernels, not core counts
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}
type Ort = typeof OrtNS;

async function run(cfg: PageConfig): Promise<PageResult> {
  const errors: string[] = [];
  const s = cfg.settings;
  const cases: BenchCase[] = benchCases(s.quick).filter((c) => !cfg.caseIds || cfg.caseIds.includes(c.id));
  const gpu = await engine.initWebGPU();
  log(`our adapter: ${engine.describeAdapter(gpu.info)}`);
  const attn = loadAttention();
  let wasm: InstanceType<typeof engine.WasmBackend> | null = null;
  try {
    wasm = new engine.WasmBackend(await engine.loadWasm(undefined, { threads: 1 })); // equal threads with the page's ORT wasm EP (numThreads 1)
  } catch (e) {
    errors.push(`our wasm backend could not be loaded: ${(e as Error).message}`);
  }
  if (!attn) errors.push('the engine exports no attention op: attention rows have ORT figures only');
  let ort: Ort | null = null;
  try {
    ort = await loadOrt();
  } catch (e) {
    errors.push(`onnxruntime-web could not be loaded: ${(e as Error).message}`);
  }
  const modes: OrtMode[] = cfg.ortModes ?? ['ort-webgpu', 'ort-webgpu-mha', 'ort-webgpu-io', 'ort-wasm'];
  const measurements: Measurement[] = [];
  const defaults: Record<string, string | null> = {};
  for (const c of cases) {
    log(`case ${c.id}`);
    defaults[c.id] = defaultVariant(engine, gpu, c, attn);
    const inputs = benchInputs(c, s.seed);
    const ref = referenceOutput(engine, c, inputs);
    const preps = await prepareOursCase(engine, gpu, c, s, 'chromium', attn, inputs, ref);
    if (wasm) preps.push(await prepareOurs(engine, wasm, c, undefined, 'wasm', 'chromium', s, inputs, ref, attn));
    if (ort) for (const mode of modes) if (mode !== 'ort-webgpu-mha' || c.kind === 'attention') preps.push(await prepareOrt(ort, c, mode, s, inputs, ref));
    const results = await timeInterleaved(c, preps, s);
    results.forEach((m) => logMeasurement(log, m));
    measurements.push(...results);
  }
  // ORT's device (created by its WebGPU EP on first use): record its adapter to show it is the same one as ours.
  let ortAdapter: unknown = null;
  if (ort) {
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
    ourAdapter: engine.describeAdapter(gpu.info),
    ourAdapterInfo: { vendor: gpu.info.vendor, architecture: gpu.info.architecture, device: gpu.info.device, description: gpu.info.description, features: gpu.info.features },
    ortAdapter,
    ortVersion: ort?.env.versions.web ?? null,
    ortWasmThreads: ort?.env.wasm.numThreads ?? null,
    wasmThreads: wasm?.threads ?? null,
    attentionModule: !!attn,
  };
  const dispatchOverhead = await dispatchRows(gpu, { reps: s.quick ? 15 : 30 });
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
