// Builds the app once (vite build -> dist/) and serves dist/ on 127.0.0.1 at a free port.
// Tests read the base URL with `inject('baseUrl')` (see e2e/harness.ts).
// Env: HIGR_E2E_URL=<url> uses an already running server (no build); HIGR_E2E_SKIP_BUILD=1 reuses an existing dist/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain .mjs helper without types
import { serveStatic } from '../scripts/static-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function setup(project: TestProject) {
  if (process.env.HIGR_E2E_URL) {
    project.provide('baseUrl', process.env.HIGR_E2E_URL.replace(/\/?$/, '/'));
    return;
  }
  const dist = path.join(ROOT, 'dist');
  if (!(process.env.HIGR_E2E_SKIP_BUILD === '1' && fs.existsSync(path.join(dist, 'index.html')))) {
    const t0 = Date.now();
    const env = { ...process.env };
    delete env.NODE_ENV; // vitest sets NODE_ENV=test, which would give a development React build
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      throw new Error(`e2e setup: vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    console.log(`[e2e] vite build -> dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const server = await serveStatic(dist);
  console.log(`[e2e] serving dist/ at ${server.url}`);
  project.provide('baseUrl', server.url);
  return async () => {
    await server.close();
  };
}
