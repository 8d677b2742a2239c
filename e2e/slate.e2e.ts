// Slate model + Decoding stepper in a real browser: train a tiny hierarchical slate decoder on the planted sequences as a
// stage run in the pipeline worker (the header's backend: auto = wasm on SwiftShader machines), then step one user
// through GSBI.
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';

describe('slate model and decoding stepper in the browser', () => {
  it('trains a tiny HSD and steps one user through GSBI', async () => {
    const app = await openApp('#panel=slate&seed=1');
    try {
      const { page } = app;
      await page.getByTestId('slate-panel').waitFor({ timeout: 60_000 });
      await page.getByTestId('slate-source').selectOption('planted');
      for (const [k, v] of [['dim', '16'], ['slateLayers', '1'], ['epochs', '2'], ['stepsPerEpoch', '8'], ['batchSize', '16'], ['lr', '0.005'], ['beam', '3']]) {
        await page.getByTestId(`slate-${k}`).fill(v);
      }
      await page.getByTestId('slate-train').click();
      await page.locator('[data-testid="slate-status"][data-status="done"]').waitFor({ timeout: 400_000 });
      expect(Number(await page.getByTestId('slate-params').textContent())).toBeGreaterThan(1000);
      expect(await page.getByTestId('slate-epochs').locator('tbody tr').count()).toBe(2);
      await page.locator('[data-testid="slate-loss-plot"][data-rendered="true"]').waitFor({ timeout: 30_000 });
      await app.screenshot('slate-trained');

      await page.locator('nav a[data-panel="decoding"]').click();
      await page.getByTestId('decoding-panel').waitFor();
      await page.getByTestId('decode-run').click();
      await page.getByTestId('decode-history').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('decode-history').locator('li').count()).toBeGreaterThan(5);
      await page.getByTestId('decode-next').click();
      const step = page.getByTestId('decode-step-0');
      await step.waitFor();
      expect(await step.getByTestId('decode-nearest').locator('li').count()).toBe(5);
      const level0 = step.getByTestId('decode-level-0');
      expect(await level0.locator('tr[data-kept="true"]').count()).toBe(3);
      expect(await level0.locator('tr[data-kept="false"]').count()).toBeGreaterThan(0);
      for (let i = 1; i < 5; i++) await page.getByTestId('decode-next').click();
      await page.getByTestId('decode-final').waitFor();
      const slate = await page.getByTestId('decode-slate').locator('li').allTextContents();
      expect(slate.length).toBe(5);
      expect(new Set(slate).size).toBe(5);
      expect(await page.getByTestId('decode-target').locator('li').count()).toBe(5);
      await app.screenshot('decoding-stepper');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 480_000);
});
