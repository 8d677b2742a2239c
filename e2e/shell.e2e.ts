// The app shell in a real browser: adapter from the pipeline worker, nav, URL state, device loss, no-WebGPU page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openApp } from './harness';

const PIPELINE_PANELS = ['Data', 'Tokenizer', 'Prefix explorer', 'Slate model', 'Decoding', 'Alignment', 'Evaluation', 'Export'];

describe('app shell with WebGPU (SwiftShader)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the adapter obtained in the worker and the 8 pipeline panels', async () => {
    const app = await openApp('', { browser });
    try {
      const { page } = app;
      const name = page.getByTestId('adapter-name');
      await name.waitFor({ timeout: 60_000 });
      const text = (await name.textContent()) ?? '';
      // Debian chromium's WebGPU fallback is SwiftShader, reported as vendor "google", architecture "swiftshader".
      expect(text.toLowerCase()).toContain('google');
      expect(text.toLowerCase()).toContain('swiftshader');
      const header = (await page.getByTestId('adapter').textContent()) ?? '';
      expect(header).toContain('browser');
      expect(header).toContain('software');
      expect(header).toMatch(/storage binding\s*\d+(\.\d+)? [KMG]iB/);
      expect(await page.getByTestId('adapter').getAttribute('data-status')).toBe('ready');

      const nav = await page.locator('nav.app-nav a').allTextContents();
      const titles = nav.map((t) => t.replace(/^[\d·]+/, '').trim());
      for (const p of PIPELINE_PANELS) expect(titles).toContain(p);
      expect(titles.filter((t) => PIPELINE_PANELS.includes(t))).toEqual(PIPELINE_PANELS); // in pipeline order

      // Overview (default panel) shows the full adapter + limits tables from the same GpuInfo.
      await page.getByTestId('limits-table').waitFor();
      expect(await page.getByTestId('limits-table').textContent()).toContain('maxStorageBufferBindingSize');
      expect(page.url()).toContain('#v=2&panel=overview&seed=0&');
      await app.screenshot('shell-overview');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('keeps panel and seed in the URL, validates them, and shows honest placeholders', async () => {
    const app = await openApp('#panel=export&seed=7', { browser });
    try {
      const { page } = app;
      await page.getByTestId('placeholder').waitFor();
      expect(await page.locator('h1').first().textContent()).toContain('Export');
      expect(await page.getByTestId('placeholder').textContent()).toContain('Not implemented yet');
      expect(await page.getByTestId('seed').inputValue()).toBe('7');

      await page.locator('nav a[data-panel="alignment"]').click();
      await page.waitForURL(/#v=2&panel=alignment&seed=7&/);
      expect(await page.locator('h1').first().textContent()).toContain('Alignment');
      expect(await page.getByTestId('placeholder').textContent()).toContain('will be filled by the alignment issue');
      await app.screenshot('shell-alignment-placeholder');

      await page.getByTestId('seed').fill('42');
      await page.waitForURL(/#v=2&panel=alignment&seed=42&/);

      await page.goBack();
      await page.waitForURL(/panel=export/);
      expect(await page.locator('h1').first().textContent()).toContain('Export');

      // Invalid values fall back to defaults, with a visible note: on a hash change, and on a fresh load.
      const bad = page.url().replace(/#.*$/, '#panel=nope&seed=-3');
      await page.goto(bad);
      await page.getByTestId('url-problems').waitFor();
      expect(await page.getByTestId('url-problems').textContent()).toContain('invalid seed="-3"');
      await page.goto('about:blank');
      await page.goto(bad);
      await page.getByTestId('url-problems').waitFor();
      expect(await page.getByTestId('url-problems').textContent()).toContain('invalid panel="nope"');
      expect(page.url()).toMatch(/#v=2&panel=overview&seed=0&/);
      await app.screenshot('shell-placeholder');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('shows a device-lost banner and reconnects', async () => {
    const app = await openApp('#panel=overview', { browser });
    try {
      const { page } = app;
      await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
      await page.getByTestId('simulate-loss').click();
      const banner = page.getByTestId('device-lost');
      await banner.waitFor();
      expect(await banner.textContent()).toContain('destroyed');
      expect(await page.getByTestId('adapter').getAttribute('data-status')).toBe('lost');
      await app.screenshot('shell-device-lost');
      await page.getByTestId('reconnect').click();
      await banner.waitFor({ state: 'detached', timeout: 60_000 });
      expect(await page.getByTestId('adapter').getAttribute('data-status')).toBe('ready');
      expect(await page.getByTestId('adapter-table').textContent()).toContain('acquired 2×');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('app shell without WebGPU', () => {
  it('explains, in words, that no adapter is available (chromium without --enable-unsafe-webgpu)', async () => {
    const app = await openApp('', { webgpu: false });
    try {
      const { page } = app;
      const box = page.getByTestId('gpu-unavailable');
      await box.waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('gpu-error-message').textContent()).toContain('no GPU adapter was found');
      expect(await page.getByTestId('gpu-error-hint').textContent()).toContain('--enable-unsafe-webgpu');
      expect(await page.locator('h1').textContent()).toBe('WebGPU is not available');
      await app.screenshot('shell-no-webgpu');
      // "Continue without GPU" still gives the shell (data browsing), with a warning banner.
      await page.getByRole('button', { name: /Continue without GPU/ }).click();
      await page.locator('nav.app-nav').waitFor();
      expect(await page.getByTestId('adapter').getAttribute('data-status')).toBe('unavailable');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('explains a browser without navigator.gpu at all', async () => {
    // Remove WebGPU from the page and from every worker it starts (workers do not run page init scripts).
    const app = await openApp('', {
      webgpu: false,
      initScript: () => {
        const strip = 'try { delete Object.getPrototypeOf(navigator).gpu; } catch (e) {}\n';
        const Orig = window.Worker;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (window as any).Worker = function (url: string | URL, o?: WorkerOptions) {
          const abs = new URL(String(url), location.href).href;
          // A static import keeps the worker's message queue closed until its module graph has run (Comlink is listening).
          const boot = new Blob([`import ${JSON.stringify(abs)};\n${strip}`], { type: 'text/javascript' });
          return new Orig(URL.createObjectURL(boot), { ...o, type: 'module' });
        };
        try {
          delete (Object.getPrototypeOf(navigator) as { gpu?: unknown }).gpu;
        } catch {
          /* ignore */
        }
      },
    });
    try {
      const { page } = app;
      await page.getByTestId('gpu-unavailable').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('gpu-error-message').textContent()).toContain('navigator.gpu is missing');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
