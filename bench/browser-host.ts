// The Chromium host of the benchmarks (bench:kernels, bench:decode): vite-build a page of bench/browser/ (it imports
// src/ directly) into a temp dir, serve it on 127.0.0.1 (COOP/COEP headers: cross-origin isolation for threaded wasm),
// open it in headless Debian chromium (SwiftShader WebGPU) via playwright-core, wait for `window.__benchReady`, call
// `window.<fn>(config)` and return its result. The page's `[bench] …` console lines are forwarded to `log`.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, QUIET_ARGS, WEBGPU_ARGS } from '../e2e/chromium';
// @ts-expect-error plain .mjs helper without types
import { ISOLATION_HEADERS } from '../scripts/static-server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_ARGS = [...WEBGPU_ARGS, ...QUIET_ARGS];
export { CHROMIUM };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** Serve `dir` at / (and each `mounts` prefix, e.g. { '/ort/': dir }) with cross-origin isolation headers. */
export function serve(dir: string, mounts: Record<string, string> = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const m = Object.keys(mounts).find((p) => rel.startsWith(p));
    const [base, sub] = m ? [mounts[m], rel.slice(m.length)] : [dir, rel === '/' ? 'index.html' : rel.slice(1)];
    const file = path.resolve(base, sub);
    if (!file.startsWith(path.resolve(base)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      ...ISOLATION_HEADERS,
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/** vite-build `bench/browser/<html>` (default index.html) into `outDir`. */
export async function buildPage(outDir: string, html = 'index.html'): Promise<void> {
  const { build } = await import('vite');
  const root = path.join(ROOT, 'bench/browser');
  await build({
    root,
    base: './',
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false, rollupOptions: { input: path.join(root, html) } },
  });
}

/** Build and serve `html`, open it in headless chromium, run `window[fn](config)`; the result and chromium's version. */
export async function runInChromium<C, R>(o: { html: string; fn: string; config: C; log: (s: string) => void; mounts?: Record<string, string>; timeoutMs?: number }): Promise<{ result: R; browserVersion: string }> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-bench-page-'));
  const t0 = Date.now();
  await buildPage(outDir, o.html);
  o.log(`[browser] vite build of bench/browser/${o.html} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const server = await serve(outDir, o.mounts);
  const { chromium } = await import('playwright-core');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set HIGR_CHROMIUM)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(o.timeoutMs ?? 3 * 3600_000);
    page.on('console', (m) => {
      const t = m.text();
      if (t.startsWith('[bench]')) o.log(`[browser] ${t.slice(8)}`);
      else if (m.type() === 'error' || m.type() === 'warning') o.log(`[browser ${m.type()}] ${t.slice(0, 300)}`);
    });
    page.on('pageerror', (e) => o.log(`[browser page error] ${e.message}`));
    await page.goto(`${server.url}${o.html === 'index.html' ? '' : o.html}`);
    await page.waitForFunction(() => (window as unknown as { __benchReady?: boolean }).__benchReady === true, null, { timeout: 60_000 });
    const result = (await page.evaluate(([fn, c]) => (window as unknown as Record<string, (x: unknown) => Promise<unknown>>)[fn as string](c), [o.fn, o.config] as const)) as R;
    return { result, browserVersion: browser.version() };
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
