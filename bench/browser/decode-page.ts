// bench:decode's Chromium host (bundled by vite from bench/browser/decode.html, driven headless by bench/decode.ts):
// rebuild the models Node trained from their weights on each requested backend in this page (wasm SIMD; WebGPU on the
// page's adapter) and time the same decoder rows on the same users with the same code as Node (measurePayload in
// src/eval/decode-study.ts).
import { initWasm, initWebGPU, initCpu } from '../../src/engine/index';
import { measurePayload, type DecodePayload, type DecodeRow, type DecodeRun } from '../../src/eval/decode-study';

const logEl = document.getElementById('log');
function log(msg: string) {
  console.log(`[bench] ${msg}`);
  if (logEl) logEl.textContent += `${msg}\n`;
}

export interface PageResult {
  rows: DecodeRow[];
  backends: Record<string, string>;
  userAgent: string;
}

async function run(c: { payload: DecodePayload; runs: DecodeRun[] }): Promise<PageResult> {
  const useBackend = async (kind: DecodeRun['backend']) => (kind === 'wasm' ? await initWasm() : kind === 'webgpu' ? await initWebGPU() : initCpu()).describe();
  const r = await measurePayload(c.payload, c.runs, { host: 'chromium', useBackend, log });
  return { ...r, userAgent: navigator.userAgent };
}

declare global {
  interface Window {
    __runDecode?: typeof run;
    __benchReady?: boolean;
  }
}
window.__runDecode = run;
window.__benchReady = true;
