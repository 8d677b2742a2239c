// The SID models in the Evaluation panel (issue 19 item 4, issue 18): a batch of popularity + a tiny TIGER on 60
// bundled users, TIGER's semantic IDs trained on the item features in the data worker (the table1-model stage's SID
// source, set through `ev.` URL keys); the page is reloaded once TIGER has stored a checkpoint, the batch continues on
// start — TIGER resumes from its checkpoint and the panel says so — and both rows appear in the table with TIGER's SID
// source. Every wait is on a condition of the page, never on a duration.
import { describe, expect, it } from 'vitest';
import { failure, openApp } from './harness';

const HASH = '#panel=evaluation&seed=3&ev.models=pop%2Ctiger&ev.users=60&ev.epochs=4&ev.codebookSize=16&ev.levels=2';

describe('SID models in the Evaluation panel', () => {
  it('trains pop + TIGER, is reloaded mid-TIGER, resumes TIGER from its checkpoint and shows both rows with the SID source', async () => {
    const app = await openApp(HASH);
    try {
      const { page } = app;
      await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
      await page.getByTestId('eval-model-tiger').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('eval-model-tiger').isChecked()).toBe(true);
      expect(await page.getByTestId('eval-model-sasrec').isChecked()).toBe(false);
      expect(await page.getByTestId('eval-codebookSize').inputValue()).toBe('16');
      await page.getByTestId('eval-start').click();
      // TIGER (run 2 of 2) has stored a checkpoint: reload the page mid-run
      await page.locator('[data-testid="eval-status"][data-status="running"][data-checkpoint]').waitFor({ timeout: 600_000 });
      const before = await page.getByTestId('eval-status').textContent();
      expect(before).toMatch(/run 2\/2: TIGER seed 3: step \d+\/80.*checkpoint at step \d+/);
      await page.reload();
      await page.getByTestId('evaluation-panel').waitFor({ timeout: 60_000 });
      const notice = page.getByTestId('eval-notice');
      await notice.waitFor({ timeout: 120_000 });
      expect(await notice.textContent()).toMatch(/^After the reload: TIGER seed 3 resumed from its checkpoint at step \d+ \(run table1-model-/);
      await page.locator('[data-testid="eval-status"][data-status="done"], [data-testid="eval-status"][data-status="error"]').waitFor({ timeout: 600_000 });
      expect((await page.getByTestId('eval-error').count()) ? await page.getByTestId('eval-error').textContent() : null).toBeNull();
      const cells = async (id: string) => page.getByTestId(`eval-row-${id}`).locator('td').allTextContents();
      const pop = await cells('pop');
      const tiger = await cells('tiger');
      expect(tiger[0]).toBe('TIGER');
      expect(tiger[3]).toBe('3 (resumed: 3)');
      for (const r of [pop, tiger]) {
        const [mean, std] = r[5].split(' ± ').map(Number);
        expect(mean).toBeGreaterThanOrEqual(0);
        expect(mean).toBeLessThanOrEqual(1);
        expect(std).toBe(0); // one seed each
      }
      expect([pop[7], tiger[7]].filter((p) => p === 'best')).toHaveLength(1);
      expect(await page.getByTestId('eval-sids-tiger').textContent()).toMatch(/^rq-kmeans D = 2, K = 16, trained on the item features now \(seed 0\): widths \[16, 16, \d+\]/);
      expect(await page.getByTestId('eval-sids-pop').textContent()).toBe('—');
      await app.screenshot('evaluation-sid-table');
      // the resumed run is one run in the Runs panel, done at 80/80
      await page.locator('nav a[data-panel="runs"]').click();
      const done = page.locator('[data-testid="run-row"][data-status="done"]', { hasText: 'table1-model' });
      await expect.poll(() => done.count(), { timeout: 60_000 }).toBe(2);
      expect(await page.locator('[data-testid="run-row"][data-status="interrupted"]').count()).toBe(0);
      expect(await done.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('80/80')]));
      await app.screenshot('evaluation-sid');
      expect(app.errors).toEqual([]);
    } catch (e) {
      throw await failure(app, 'evaluation-sid', e, ['eval-status', 'eval-notice']);
    } finally {
      await app.close();
    }
  }, 1_500_000);
});
