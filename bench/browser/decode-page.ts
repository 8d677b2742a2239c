// bench:decode's Chromium host (bundled by vite from bench/browser/decode.html, driven headless by bench/decode.ts):
// rebuild the models Node trained from their weights, on the wasm SIMD backend in this page, and time the same decoder
// rows on the same users with the same code as Node (measureDecoding in src/eval/decode-study.ts).
import { initWasm } from '../../src/engine/index';
import { fromPayload, measureDecoding, type DecodePayload, type DecodeRow } from '../../src/eval/decode-study';

const logEl = document.getElementById('log');
function log(msg: string) {
  console.log(`[bench] ${msg}`);
  if (logEl) logEl.textContent += `${msg}\n`;
}

async function run(p: DecodePayload): Promise<{ rows: DecodeRow[]; backend: string; userAgent: string }> {
  const be = await initWasm();
  const m = fromPayload(p);
  try {
    const rows = await measureDecoding(m, { histories: m.histories, targets: m.targets }, p.settings, { host: 'chromium', log });
    return { rows, backend: be.describe(), userAgent: navigator.userAgent };
  } finally {
    m.hsd.dispose();
    m.flat.dispose();
  }
}

declare global {
  interface Window {
    __runDecode?: (p: DecodePayload) => Promise<{ rows: DecodeRow[]; backend: string; userAgent: string }>;
    __benchReady?: boolean;
  }
}
window.__runDecode = run;
window.__benchReady = true;
