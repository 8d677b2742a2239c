// Data panel in a real browser: the app opens with the bundled KuaiRec subset; dropped raw-schema files (synthetic
// generator output) + real side tables are parsed in the data worker and the statistics shown equal the ones computed
// in Node by the same library; a bad file shows a clear error while the loaded dataset stays.
import { sharedKuaiRec } from '../src/data/test-data';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { bundledDataDir, nodeFetchLike } from '../src/data/node-file';
import { DataSession } from '../src/data/session';
import { generateSyntheticKuaiRec } from '../src/data/synthetic';
import { openApp, type App } from './harness';

const SIDE = sharedKuaiRec('side');
const { files } = generateSyntheticKuaiRec({ seed: 42, users: 80, items: 300 });
const dropped = [
  { name: 'big_matrix.csv', buffer: Buffer.from(files['big_matrix.csv']) },
  { name: 'small_matrix.csv', buffer: Buffer.from(files['small_matrix.csv']) },
  { name: 'kuairec_caption_category.csv', buffer: readFileSync(`${SIDE}/kuairec_caption_category.csv`) },
  { name: 'item_categories.csv', buffer: readFileSync(`${SIDE}/item_categories.csv`) },
];

async function expected(threshold?: number) {
  const s = new DataSession();
  await s.loadBundled(nodeFetchLike(bundledDataDir()));
  const r = await s.addFiles(dropped.map((f) => new File([f.buffer], f.name)));
  const snap = threshold === undefined ? r.snapshot : s.setProtocol({ effectiveViewThreshold: threshold });
  return { snap, reports: r.reports };
}

async function shownStats(page: Page) {
  const t = async (id: string) => ((await page.getByTestId(id).textContent()) ?? '').trim();
  return { source: await t('stat-source'), users: Number(await t('stat-users')), items: Number(await t('stat-items')), interactions: Number(await t('stat-interactions')), effective: Number(await t('stat-effective')) };
}

describe('data panel', () => {
  let app: App;
  beforeAll(async () => {
    app = await openApp('#panel=data');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('opens with the bundled dataset (chronological small matrix) and its attribution', async () => {
    const { page } = app;
    await page.getByTestId('stat-source').filter({ hasText: 'small_matrix_time_ordered.txt' }).waitFor({ timeout: 90_000 });
    const s = new DataSession();
    const want = (await s.loadBundled(nodeFetchLike(bundledDataDir()))).stats!;
    const got = await shownStats(page);
    expect(got).toEqual({ source: want.source, users: want.users, items: want.items, interactions: want.interactions, effective: want.effectiveViews });
    expect(await page.getByTestId('stat-impressions').textContent()).toContain('unavailable');
    expect(await page.getByTestId('data-attribution').textContent()).toMatch(/KuaiRec.*CC BY-SA 4\.0/);
    await page.getByTestId('hist-seqlen').locator('.main-svg').first().waitFor({ timeout: 60_000 });
  });

  it('parses dropped raw-schema files in the worker; statistics match Node; real side tables are deduplicated', async () => {
    const { page } = app;
    const { snap, reports } = await expected();
    await page.getByTestId('data-file-input').setInputFiles(dropped.map((f) => ({ name: f.name, mimeType: 'text/csv', buffer: f.buffer })));
    await page.getByTestId('stat-source').filter({ hasText: /^small_matrix\.csv$/ }).waitFor({ timeout: 90_000 });
    const got = await shownStats(page);
    const want = snap.stats!;
    expect(got).toEqual({ source: want.source, users: want.users, items: want.items, interactions: want.interactions, effective: want.effectiveViews });
    expect(want.impressionsAvailable).toBe(true);
    for (const r of reports) {
      const row = page.locator(`[data-testid="file-row"][data-file="${r.name}"][data-status="${r.status}"]`);
      expect(await row.count()).toBeGreaterThan(0);
    }
    expect(reports.find((r) => r.name === 'item_categories.csv')!.status).toBe('duplicate');
    expect(reports.find((r) => r.name === 'kuairec_caption_category.csv')!.status).toBe('duplicate'); // bundled as .gz
    expect(await page.getByTestId('stat-impressions').textContent()).toContain('available');
    await page.getByTestId('hist-watch-ratio').locator('.main-svg').first().waitFor({ timeout: 60_000 });
  });

  it('a bad file shows a clear error naming it and the loaded dataset stays', async () => {
    const { page } = app;
    const before = await shownStats(page);
    await page.getByTestId('data-file-input').setInputFiles([{ name: 'broken_matrix.csv', mimeType: 'text/csv', buffer: Buffer.from('user_id,video_id,watch_ratio\n1,2,3\n') }]);
    const err = page.locator('[data-testid="file-row"][data-file="broken_matrix.csv"][data-status="error"] [data-testid="file-error"]');
    await err.waitFor({ timeout: 60_000 });
    expect(await err.textContent()).toMatch(/broken_matrix\.csv: .*missing column\(s\) play_duration/);
    expect(await shownStats(page)).toEqual(before);
    await app.screenshot('data-panel');
  });

  it('protocol settings rebuild the dataset (threshold 1.0) with the same numbers as Node', async () => {
    const { page } = app;
    const { snap } = await expected(1.0);
    await page.getByTestId('protocol-threshold').fill('1.0');
    await page.getByTestId('apply-protocol').click();
    await page.getByTestId('stat-effective').filter({ hasText: new RegExp(`^${snap.stats!.effectiveViews}$`) }).waitFor({ timeout: 60_000 });
    expect((await shownStats(page)).users).toBe(snap.stats!.users);
    expect(app.errors).toEqual([]);
  });

  it('nothing is lost on a reload: dropped files and the protocol come back from browser storage', async () => {
    const { page } = app;
    const before = await shownStats(page);
    await page.reload();
    await page.getByTestId('stat-source').filter({ hasText: /^small_matrix\.csv$/ }).waitFor({ timeout: 90_000 });
    await page.getByTestId('stat-effective').filter({ hasText: new RegExp(`^${before.effective}$`) }).waitFor({ timeout: 60_000 });
    expect(await shownStats(page)).toEqual(before);
    expect(await page.locator('[data-testid="file-row"][data-file="big_matrix.csv"][data-status="loaded"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="file-row"][data-file="broken_matrix.csv"]').count()).toBe(0);
  });

  it('a file that loads but selects no user: the protocol warning and exact malformed line numbers are shown', async () => {
    const { page } = app;
    const tiny = 'user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n1,2,5,4,t,20200705,1593898068,2.5\nx,3,5,4,t,20200705,1593898069,2.5\n"1","4","5","4","t","20200705","1593898070","2.5"\n';
    await page.getByTestId('data-file-input').setInputFiles([{ name: 'tiny_matrix.csv', mimeType: 'text/csv', buffer: Buffer.from(tiny) }]);
    const warn = page.locator('[data-testid="file-row"][data-file="tiny_matrix.csv"] [data-testid="file-warning"]');
    await warn.first().waitFor({ timeout: 60_000 });
    expect(await warn.first().getAttribute('data-lines')).toBe('3');
    const pw = page.getByTestId('protocol-warning');
    await pw.waitFor({ timeout: 30_000 });
    expect(await pw.textContent()).toMatch(/^tiny_matrix\.csv: the protocol selects no user: it needs 6 effective views .* the longest user has 2; relax --slate/);
  });
});
