// A sequence baseline in the Evaluation panel survives a reload (the "nothing lost on a reload" rule): a tiny SASRec on
// 60 bundled users (up to 100 epochs of 8 steps) is reloaded once it has stored a checkpoint; the batch continues on
// start, SASRec resumes from that checkpoint as the same run — the status line never goes back below the checkpoint's
// step — and finishes; the table marks the seed as resumed and the Runs panel lists one done run, none interrupted.
// The Slate model panel then shows its defaults' differences from HiGR's Table 1 recipe.
// Every wait is on a condition of the page, never on a duration.
import { describe, expect, it } from 'vitest';
import { failure, openApp } from './harness';

const HASH = '#panel=evaluation&seed=3&ev.models=sasrec&ev.users=60&ev.epochs=100&ev.batchSize=8';

// every step the status line shows, per page load (kept in sessionStorage so the reloaded page adds to the list; -1 marks
// the start of a page load)
const RECORD_STEPS = () => {
  const seen = (): number[] => JSON.parse(sessionStorage.getItem('e2e.steps') ?? '[]');
  sessionStorage.setItem('e2e.steps', JSON.stringify([...seen(), -1]));
  const note = () => {
    const el = document.querySelector('[data-testid="eval-status"]');
    const v = el?.getAttribute('data-step');
    if (v !== null && v !== undefined) {
      const s = seen();
      if (s[s.length - 1] !== Number(v)) sessionStorage.setItem('e2e.steps', JSON.stringify([...s, Number(v)]));
    }
  };
  document.addEventListener('DOMContentLoaded', () => new MutationObserver(note).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-step'], childList: true }));
};

describe('a sequence baseline in the Evaluation panel', () => {
  it('is reloaded mid-training, resumes from its checkpoint (progress does not go back to 0) and finishes', async () => {
    const app = await openApp(HASH, { initScript: RECORD_STEPS });
    try {
      const { page } = app;
      await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
      await page.getByTestId('eval-model-sasrec').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('eval-model-sasrec').isChecked()).toBe(true);
      expect(await page.getByTestId('eval-model-pop').isChecked()).toBe(false);
      await page.getByTestId('eval-start').click();
      const status = page.getByTestId('eval-status');
      // SASRec has stored a checkpoint: reload the page mid-run
      await page.locator('[data-testid="eval-status"][data-status="running"][data-checkpoint]').waitFor({ timeout: 600_000 });
      const ck = Number(await status.getAttribute('data-checkpoint'));
      expect(await status.textContent()).toMatch(/run 1\/1: SASRec seed 3: step \d+\/800.*checkpoint at step \d+/);
      await page.reload();
      await page.getByTestId('evaluation-panel').waitFor({ timeout: 60_000 });
      const notice = page.getByTestId('eval-notice');
      await notice.waitFor({ timeout: 120_000 });
      const text = (await notice.textContent()) ?? '';
      const m = /^After the reload: SASRec seed 3 resumed from its checkpoint at step (\d+) \(run (table1-model-\S+)\)\.$/.exec(text);
      expect(m, text).not.toBeNull();
      const from = Number(m![1]);
      expect(from).toBeGreaterThanOrEqual(ck); // the newest checkpoint (a later one may have landed before the reload)
      await page.locator('[data-testid="eval-status"][data-status="done"], [data-testid="eval-status"][data-status="error"]').waitFor({ timeout: 900_000 });
      expect((await page.getByTestId('eval-error').count()) ? await page.getByTestId('eval-error').textContent() : null).toBeNull();
      // after the reload the status line started at the checkpoint's step and only went forward from there
      const all = await page.evaluate(() => JSON.parse(sessionStorage.getItem('e2e.steps') ?? '[]') as number[]);
      expect(all.filter((s) => s === -1)).toHaveLength(2);
      const after = all.slice(all.lastIndexOf(-1) + 1);
      expect(after.length).toBeGreaterThan(1);
      expect(after[0]).toBe(from);
      expect(Math.min(...after)).toBe(from);
      expect(after.every((s, i) => i === 0 || s >= after[i - 1])).toBe(true);
      const cells = await page.getByTestId('eval-row-sasrec').locator('td').allTextContents();
      expect(cells[0]).toBe('SASRec');
      expect(cells[3]).toBe('3 (resumed: 3)');
      const [mean, std] = cells[5].split(' ± ').map(Number);
      expect(mean).toBeGreaterThanOrEqual(0);
      expect(mean).toBeLessThanOrEqual(1);
      expect(std).toBe(0);
      await app.screenshot('evaluation-resume-table');
      // the resumed run is the same run in the Runs panel, done; nothing left interrupted
      await page.locator('nav a[data-panel="runs"]').click();
      const done = page.locator('[data-testid="run-row"][data-status="done"]', { hasText: 'table1-model' });
      await expect.poll(() => done.count(), { timeout: 60_000 }).toBe(1);
      expect(await done.first().getAttribute('data-run-id')).toBe(m![2]);
      expect(await page.locator('[data-testid="run-row"][data-status="interrupted"]').count()).toBe(0);
      // the Slate model panel says where its demo defaults differ from HiGR's Table 1 recipe, and why
      await page.locator('nav a[data-panel="slate"]').click();
      const note = (await page.getByTestId('slate-recipe-note').textContent()) ?? '';
      expect(note).toMatch(/^Defaults = HiGR's Table 1 recipe .* except, for a demo of minutes: history items kept 20 \(recipe 50: 2\.5× the context tokens/);
      expect(await page.getByTestId('slate-dropout').inputValue()).toBe('0.4');
      expect(await page.getByTestId('slate-recentWindows').inputValue()).toBe('20');
      expect(app.errors).toEqual([]);
    } catch (e) {
      throw await failure(app, 'evaluation-resume', e, ['eval-status', 'eval-notice']);
    } finally {
      await app.close();
    }
  }, 1_500_000);
});
