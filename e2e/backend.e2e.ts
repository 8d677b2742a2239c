// Backend choice in the browser: chromium without WebGPU trains a tiny CRQ-VAE on the wasm SIMD backend in the pipeline
// worker and says so (backend, reason, threads) on screen; the setting switches to the CPU reference and back. The
// page is served cross-origin isolated, so the wasm kernels run on hardwareConcurrency threads (capped at 8); served
// without COOP/COEP, the header says it runs on 1 thread and why.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';
// @ts-expect-error plain .mjs helper without types
import { serveStatic } from '../scripts/static-server.mjs';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

describe('compute backend in the browser', () => {
  it('without WebGPU, auto trains the tokenizer on wasm and shows the backend and why', async () => {
    const app = await openApp('#panel=tokenizer&seed=2', { webgpu: false });
    try {
      const { page } = app;
      await page.getByTestId('gpu-unavailable').waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: /Continue without GPU/ }).click();
      const status = page.getByTestId('backend-status');
      await status.waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('backend').getAttribute('data-kind')).toBe('wasm');
      const text = (await status.textContent()) ?? '';
      expect(text).toMatch(/wasm/);
      expect(text).toMatch(/no WebGPU/);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const hw = await page.evaluate(() => navigator.hardwareConcurrency);
      const want = Math.min(8, hw);
      expect(Number(await page.getByTestId('backend-threads').getAttribute('data-threads'))).toBe(want);
      expect(text).toMatch(want > 1 ? new RegExp(`${want} threads`) : /1 thread/);
      await page.getByTestId('tokenizer-panel').waitFor();
      await page.getByTestId('tk-maxItems').fill('300');
      await page.getByTestId('tk-steps').fill('10');
      await page.getByTestId('tk-batchSize').fill('64');
      await page.getByTestId('tk-codebookSize').fill('16');
      await page.getByTestId('tk-kind-rq-vae').uncheck();
      await page.getByTestId('tk-kind-rq-kmeans').uncheck();
      await page.getByTestId('tokenizer-start').click();
      await page.locator('[data-testid="tokenizer-status"][data-status="done"]').waitFor({ timeout: 170_000 });
      const cells = await page.getByTestId('metrics-crq-vae').locator('td').allTextContents();
      const collision = Number(cells[0]);
      expect(collision).toBeGreaterThanOrEqual(0);
      expect(collision).toBeLessThanOrEqual(1);
      expect(await page.getByTestId('backend').getAttribute('data-kind')).toBe('wasm');
      await app.screenshot('backend-wasm-trained');

      // the setting: CPU reference, then back to auto (wasm again)
      await page.getByTestId('backend-choice').selectOption('cpu');
      await page.locator('[data-testid="backend"][data-kind="cpu"]').waitFor({ timeout: 30_000 });
      expect(await status.textContent()).toMatch(/requested: cpu/);
      await page.getByTestId('backend-choice').selectOption('auto');
      await page.locator('[data-testid="backend"][data-kind="wasm"]').waitFor({ timeout: 30_000 });
      // the thread setting: 1 thread, then auto again
      await page.getByTestId('threads-choice').selectOption('1');
      await page.locator('[data-testid="backend-threads"][data-threads="1"]').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('backend-threads').getAttribute('title')).toMatch(/requested/);
      await page.getByTestId('threads-choice').selectOption('0');
      await page.locator(`[data-testid="backend-threads"][data-threads="${want}"]`).waitFor({ timeout: 30_000 });
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it.skipIf(!fs.existsSync(path.join(DIST, 'index.html')))('served without COOP/COEP, wasm runs on 1 thread and the header says why', async () => {
    const server = await serveStatic(DIST, 0, { isolated: false });
    const app = await openApp('#panel=tokenizer&seed=2', { webgpu: false, baseUrl: server.url });
    try {
      const { page } = app;
      await page.getByTestId('gpu-unavailable').waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: /Continue without GPU/ }).click();
      await page.locator('[data-testid="backend"][data-kind="wasm"]').waitFor({ timeout: 60_000 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      await page.locator('[data-testid="backend-threads"][data-threads="1"]').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('backend-threads').textContent()).toMatch(/1 thread \(page not cross-origin isolated/);
      expect(await page.getByTestId('backend-threads').getAttribute('title')).toMatch(/not cross-origin isolated/);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
      await server.close();
    }
  });
});
