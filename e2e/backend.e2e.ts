// Backend choice in the browser: chromium without WebGPU trains a tiny CRQ-VAE on the wasm SIMD backend in the pipeline
// worker and says so (backend, reason, threads) on screen; the setting switches to the CPU reference and back.
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';

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
      expect(text).toMatch(/thread/);
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
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
