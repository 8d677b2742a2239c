// The slate decoder on the stage layer in a real browser (issue 12 / 17): an invalid setting shows a field error and
// starts nothing; a tiny slate decoder trained as a run is reloaded mid-way, listed as interrupted, resumed from its
// checkpoint to the end and listed as done; after another reload the Decoding stepper decodes a user with the model
// rebuilt from the stored run. Every wait is on a condition, never on a count taken once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openApp } from './harness';

const row = (page: Page, status: string) => page.locator(`[data-testid="run-row"][data-status="${status}"]`, { hasText: 'slate-decoder' });

async function tiny(page: Page, epochs: number, steps: number) {
  await page.getByTestId('slate-source').selectOption('planted');
  for (const [k, v] of [['dim', '16'], ['heads', '2'], ['ffn', '32'], ['slateLayers', '1'], ['maxHistory', '12'], ['epochs', String(epochs)], ['stepsPerEpoch', String(steps)], ['batchSize', '16'], ['lr', '0.005'], ['warmup', '5'], ['beam', '3']]) {
    await page.getByTestId(`slate-${k}`).fill(v);
  }
}

describe('slate decoder runs: validate, reload, resume, decode after reload', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('an invalid slate setting shows a field error and starts nothing', async () => {
    const app = await openApp('#panel=slate&seed=4', { browser });
    try {
      const { page } = app;
      await page.getByTestId('slate-panel').waitFor({ timeout: 60_000 });
      await page.getByTestId('slate-dim').fill('0');
      await page.getByTestId('slate-lr').fill('-1');
      expect(await page.getByTestId('slate-error-dim').textContent()).toBe('must be an integer in [1, 8192] (got 0)');
      expect(await page.getByTestId('slate-error-lr').textContent()).toBe('must be a number in (0, 1] (got -1)');
      await page.getByTestId('slate-train').click();
      await page.locator('[data-testid="slate-status"][data-status="error"]').waitFor();
      expect(await page.getByTestId('slate-status').textContent()).toMatch(/^invalid settings: dim: must be an integer in \[1, 8192\] \(got 0\); lr: /);
      // the link names the bad field too
      await page.waitForFunction(() => location.hash.includes('sd.dim=0'));
      const url = page.url();
      await page.goto('about:blank');
      await page.goto(url);
      const banner = page.getByTestId('url-problems');
      await banner.waitFor({ timeout: 60_000 });
      expect(await banner.textContent()).toMatch(/invalid sd\.dim="0" \(must be an integer in \[1, 8192\]\), using 32/);
      await page.locator('nav a[data-panel="runs"]').click();
      await page.getByTestId('runs-empty').waitFor({ timeout: 30_000 });
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('trains, is reloaded mid-way, resumes from its checkpoint, and decodes a user after another reload', async () => {
    const app = await openApp('#panel=slate&seed=5', { browser });
    try {
      const { page } = app;
      await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
      await page.getByTestId('slate-panel').waitFor();
      await tiny(page, 4, 60);
      await page.getByTestId('slate-train').click();
      await page.locator('[data-testid="slate-loss-plot"][data-rendered="true"]').waitFor({ timeout: 120_000 });
      await page.locator('nav a[data-panel="runs"]').click();
      await page.getByTestId('runs-panel').waitFor();
      // reload once a checkpoint of the running slate run is stored
      await page.locator('[data-testid="run-row"][data-status="running"]', { hasText: 'ckpt' }).waitFor({ timeout: 170_000 });
      await page.reload();
      await page.getByTestId('runs-panel').waitFor({ timeout: 60_000 });
      await row(page, 'interrupted').waitFor({ timeout: 60_000 });
      await app.screenshot('slate-run-interrupted');
      await row(page, 'interrupted').getByTestId('run-resume').click();
      await expect.poll(() => row(page, 'interrupted').count(), { timeout: 60_000 }).toBe(0);
      await row(page, 'done').waitFor({ timeout: 300_000 });
      const done = row(page, 'done');
      expect(await done.count()).toBe(1);
      const id = await done.getAttribute('data-run-id');
      // the resumed run went to the end: 4 epochs × 60 steps (its 4 epochs are in the panel's table below)
      expect(await done.textContent()).toContain('240/240');
      await page.locator('nav a[data-panel="slate"]').click();
      await page.locator(`[data-testid="slate-summary"][data-run-id="${id}"]`).waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('slate-epochs').locator('tbody tr').count()).toBe(4);
      await page.locator('[data-testid="slate-valid-plot"][data-rendered="true"]').waitFor({ timeout: 30_000 });

      // another reload: the model is not in the worker any more; the stepper rebuilds it from the stored run
      await page.reload();
      await page.getByTestId('slate-panel').waitFor({ timeout: 60_000 });
      await page.locator(`[data-testid="slate-summary"][data-run-id="${id}"]`).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('slate-summary').textContent()).toContain('restored from browser storage');
      await page.locator('nav a[data-panel="decoding"]').click();
      await page.getByTestId('decoding-panel').waitFor();
      expect(await page.getByTestId('decode-run-pick').inputValue()).toBe(id);
      await page.getByTestId('decode-run').click();
      await page.getByTestId('decode-history').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('decode-from').textContent()).toContain('rebuilt from the stored run');
      for (let i = 0; i < 5; i++) await page.getByTestId('decode-next').click();
      await page.getByTestId('decode-final').waitFor();
      const slate = await page.getByTestId('decode-slate').locator('li').allTextContents();
      expect(slate.length).toBe(5);
      expect(new Set(slate).size).toBe(5);
      await app.screenshot('slate-decode-after-reload');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 600_000);
});
