// Shared helpers for browser tests (e2e/*.e2e.ts).
//
//   import { openApp } from './harness';
//   const app = await openApp('#panel=data');          // chromium with WebGPU (SwiftShader), app loaded
//   await app.page.getByTestId('adapter-name').waitFor();
//   await app.screenshot('data-panel');                 // e2e/screenshots/data-panel.png (gitignored)
//   expect(app.errors).toEqual([]);                     // console errors + uncaught page/worker errors
//   await app.close();
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { inject } from 'vitest';

export { CHROMIUM, WEBGPU_ARGS, QUIET_ARGS } from './chromium';
import { CHROMIUM, WEBGPU_ARGS, QUIET_ARGS } from './chromium';

export const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

export interface LaunchOptions {
  /** Enable WebGPU (default true). false = chromium without --enable-unsafe-webgpu (no adapter). */
  webgpu?: boolean;
  /** Extra chromium flags. */
  args?: string[];
}

export async function launchBrowser(opts: LaunchOptions = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set HIGR_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(opts.webgpu === false ? [] : WEBGPU_ARGS), ...QUIET_ARGS, ...(opts.args ?? [])],
  });
}

/** Base URL of the served app (from the e2e global setup). */
export function baseUrl(): string {
  return inject('baseUrl') ?? process.env.HIGR_E2E_URL ?? '';
}

export interface App {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught errors from the page and its workers, in order. */
  errors: string[];
  /** Save a full-page screenshot to e2e/screenshots/<name>.png; returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions extends LaunchOptions {
  /** Runs before any page script (page.addInitScript). */
  initScript?: string | (() => void);
  viewport?: { width: number; height: number };
  /** Reuse a browser instead of launching one (it is NOT closed by app.close()). */
  browser?: Browser;
  /** Base URL to open instead of the global setup's server (e.g. a server without cross-origin isolation). */
  baseUrl?: string;
}

/** Launch chromium, open `<baseUrl><path>` (path may be '', '#panel=data', 'index.html#...'). */
export async function openApp(p = '', opts: OpenOptions = {}): Promise<App> {
  const url = opts.baseUrl ?? baseUrl();
  if (!url) throw new Error('no base URL: run e2e tests with `vitest -c vitest.e2e.config.ts` (global setup serves dist/)');
  const browser = opts.browser ?? (await launchBrowser(opts));
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const seen = new Set<string>();
  const push = (s: string) => {
    if (!seen.has(s)) {
      seen.add(s);
      errors.push(s);
    }
  };
  const onConsole = (where: string) => (m: ConsoleMessage) => {
    if (m.type() === 'error') {
      const at = m.location()?.url;
      push(`[${where} console] ${m.text()}${at ? ` (${at})` : ''}`);
    }
  };
  page.on('console', onConsole('page'));
  page.on('pageerror', (e) => push(`[page error] ${e.message}`));
  page.on('worker', (w) => w.on('console', onConsole(`worker ${w.url().split('/').pop()}`)));
  page.on('crash', () => push('[page crashed]'));
  if (opts.initScript) await page.addInitScript(opts.initScript);
  await page.goto(new URL(p, url).toString());
  return {
    browser,
    page,
    errors,
    async screenshot(name: string) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      if (!opts.browser) await browser.close();
    },
  };
}

/** A failed test's error with what the page showed: a screenshot `<name>-failed`, the text of the given test ids, the errors. */
export async function failure(app: App, name: string, e: unknown, testIds: string[]): Promise<Error> {
  await app.screenshot(`${name}-failed`).catch(() => undefined);
  const shown = await Promise.all(testIds.map(async (id) => `${id}: ${await app.page.getByTestId(id).textContent({ timeout: 1000 }).catch(() => '-')}`));
  return new Error([(e as Error).message, ...shown, `errors: ${JSON.stringify(app.errors)}`].join('\n'));
}
