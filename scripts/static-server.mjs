// Tiny static file server for the built app (dist/), used by the e2e global setup; cross-origin isolated (COOP/COEP).
// Usage as a module: `const { url, close } = await serveStatic('dist')`; as a script: `node scripts/static-server.mjs [dir] [port]`.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.gz': 'application/gzip',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/**
 * Cross-origin isolation (docs/engine.md, "Threads"): with these on every response the page and its workers get
 * SharedArrayBuffer, which the wasm backend's threads need. Every resource the app loads is same-origin (bundled
 * data, wasm modules, workers, no web fonts); the only cross-origin request, the opt-in text encoder's download from
 * huggingface.co, is a CORS fetch, which require-corp allows.
 */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Serve `dir` on 127.0.0.1 (port 0 = a free port). Resolves to the base URL (with trailing slash).
 * `opts.isolated: false` leaves out the cross-origin isolation headers (tests of the one-thread fallback).
 */
export function serveStatic(dir, port = 0, opts = {}) {
  const iso = opts.isolated === false ? {} : ISOLATION_HEADERS;
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad url');
      return;
    }
    let file = path.join(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (rel.endsWith('/')) file = path.join(file, 'index.html');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain', ...iso }).end(`not found: ${rel}`);
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
        ...iso,
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({
        url: `http://127.0.0.1:${p}/`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await serveStatic(process.argv[2] ?? 'dist', Number(process.argv[3] ?? 0));
  console.log(`serving ${process.argv[2] ?? 'dist'} at ${url}`);
}
