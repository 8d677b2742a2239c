import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper without types
import { serveStatic } from './static-server.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-static-'));
fs.writeFileSync(path.join(dir, 'index.html'), '<p>hi</p>');
fs.mkdirSync(path.join(dir, 'assets'));
fs.writeFileSync(path.join(dir, 'assets', 'w.js'), 'export {}');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('scripts/static-server.mjs', () => {
  it('serves files with module-worker-friendly types, index.html for /, 404 otherwise, nothing outside the root', async () => {
    const { url, close } = await serveStatic(dir);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const root = await fetch(url);
      expect(root.status).toBe(200);
      expect(root.headers.get('content-type')).toContain('text/html');
      expect(await root.text()).toBe('<p>hi</p>');
      // cross-origin isolated: SharedArrayBuffer (wasm threads) in the page and its workers
      expect(root.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(root.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const js = await fetch(new URL('assets/w.js', url));
      expect(js.headers.get('content-type')).toContain('text/javascript');
      expect(js.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect((await fetch(new URL('nope.js', url))).status).toBe(404);
      const escape = await fetch(`${url}..%2f..%2fetc%2fpasswd`);
      expect([403, 404]).toContain(escape.status);
    } finally {
      await close();
    }
  });
});
