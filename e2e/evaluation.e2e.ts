// Evaluation stage in a real browser: train tiny popularity, co-occurrence and SASRec models on 60 bundled users in the
// pipeline worker (the same runTable1 as `higr table1 --quick`) and see Table 1 with the protocol above it.
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';

describe('evaluation stage in the browser', () => {
  it('trains and evaluates tiny models and shows the table with its protocol', async () => {
    const app = await openApp('#panel=evaluation&seed=2');
    try {
      const { page } = app;
      await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
      await page.getByTestId('evaluation-panel').waitFor();
      await page.getByTestId('eval-model-sasrec').waitFor({ timeout: 60_000 });
      for (const id of ['bert4rec', 'hstu']) {
        const box = page.getByTestId(`eval-model-${id}`);
        if (await box.count()) await box.uncheck();
      }
      await page.getByTestId('eval-users').fill('60');
      await page.getByTestId('eval-start').click();
      await page.locator('[data-testid="eval-status"][data-status="done"], [data-testid="eval-status"][data-status="error"]').waitFor({ timeout: 150_000 });
      expect((await page.getByTestId('eval-error').count()) ? await page.getByTestId('eval-error').textContent() : null).toBeNull();
      expect(await page.getByTestId('eval-protocol').textContent()).toMatch(/users with >= 10 items.*all 3237 items ranked; history excluded; k = 5.* 60 users/);
      const cells = async (id: string) => page.getByTestId(`eval-row-${id}`).locator('td').allTextContents();
      const pop = await cells('pop');
      const cooc = await cells('cooc');
      const sas = await cells('sasrec');
      expect(pop[0]).toBe('Popularity');
      expect(Number(pop[2])).toBe(3237); // parameters: one count per item
      expect(sas[3]).toBe('2'); // seed from the URL
      for (const r of [pop, cooc, sas]) {
        const recall = Number(r[5].split(' ± ')[0]);
        expect(recall).toBeGreaterThanOrEqual(0);
        expect(recall).toBeLessThanOrEqual(1);
      }
      // co-occurrence beats popularity on these users (it does on every subset we measured), and one row is the best
      expect(Number(cooc[5].split(' ± ')[0])).toBeGreaterThan(Number(pop[5].split(' ± ')[0]));
      expect([pop[7], cooc[7], sas[7]].filter((p) => p === 'best')).toHaveLength(1);
      await app.screenshot('evaluation');
      expect(app.errors).toEqual([]);
    } catch (e) {
      await app.screenshot('evaluation-failed');
      throw new Error(`${(e as Error).message}\nstatus: ${await app.page.getByTestId('eval-status').textContent().catch(() => '?')}\nerrors: ${JSON.stringify(app.errors)}`);
    } finally {
      await app.close();
    }
  });
});
