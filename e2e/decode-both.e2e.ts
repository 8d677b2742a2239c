// One user decoded by both decoders in a real browser: train a tiny hierarchical slate decoder on the planted
// sequences, then the OneRec-style flat decoder matched to it (same settings, one trainer), decode the same user with
// GSBI and with the flat decoder's token-by-token beam, and check both slates, the token trace and the timings.
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';
import { trainTinySlate } from './slate-steps';

describe('decoding stepper: GSBI beside the OneRec-style flat decoder', () => {
  it('decodes one user with both decoders', async () => {
    const app = await openApp('#panel=slate&seed=2');
    try {
      const { page } = app;
      await trainTinySlate(page, 1);

      await page.locator('nav a[data-panel="decoding"]').click();
      await page.getByTestId('decoding-panel').waitFor();
      await page.getByTestId('flat-train-run').click();
      await page.locator('[data-testid="flat-status"][data-status="done"]').waitFor({ timeout: 400_000 });
      expect(await page.getByTestId('flat-status').textContent()).toMatch(/parameters \(HSD/);
      await page.getByTestId('decode-run').click();
      await page.getByTestId('decode-history').waitFor({ timeout: 120_000 });
      await page.getByTestId('flat-slate').waitFor({ timeout: 120_000 });

      // OneRec-style: 5 distinct items, 5 × levels token steps, each with surviving beams
      const flat = await page.getByTestId('flat-slate').locator('li').allTextContents();
      expect(flat.length).toBe(5);
      expect(new Set(flat).size).toBe(5);
      const tokens = await page.getByTestId('flat-token').count();
      expect(tokens % 5).toBe(0);
      expect(tokens).toBeGreaterThanOrEqual(10);
      expect(await page.getByTestId('flat-timings').textContent()).toMatch(/GSBI \d+ ms · OneRec-style beam \d+ ms with KV cache, \d+ ms without/);

      // GSBI of the same user, stepped to its final slate
      for (let i = 0; i < 5; i++) await page.getByTestId('decode-next').click();
      await page.getByTestId('decode-final').waitFor();
      const gsbi = await page.getByTestId('decode-slate').locator('li').allTextContents();
      expect(gsbi.length).toBe(5);
      expect(new Set(gsbi).size).toBe(5);
      await app.screenshot('decoding-both');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 900_000);
});
