// The Evaluation panel's decoding-efficiency charts (paper Figures 4-5) drawn from the committed bench:decode result:
// every speed row of docs/results/bench-decode.json is a point of the speed-vs-quality scatter, in a trace that names
// its host/backend (and the trie-beam path when it is not the method's default), and the quality-vs-L chart has one
// line per method over the lengths of the length study. Waits on the charts' data-rendered attribute only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';

interface Row { method: string; cache: boolean; L: number; study: string; host: string; backend: string; path: string; defaultPath: boolean; slatesPerSec: number; recall5: number; recallL: number }
const study = JSON.parse(readFileSync(new URL('../docs/results/bench-decode.json', import.meta.url), 'utf8')) as { rows: Row[] };

describe('decode study charts in the Evaluation panel', () => {
  it('plots every speed row (labelled by host/backend and path) and recall vs L per method', async () => {
    const app = await openApp('#panel=evaluation&seed=0');
    try {
      const { page } = app;
      await page.getByTestId('evaluation-panel').waitFor({ timeout: 60_000 });
      const traces = async (id: string) => {
        await page.locator(`[data-testid="${id}"][data-rendered="true"]`).waitFor({ timeout: 120_000 });
        return page.getByTestId(id).evaluate((el) => (el as unknown as { data: { name: string; x: number[]; y: number[] }[] }).data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })));
      };
      const speed = await traces('decode-speed-quality');
      const speedRows = study.rows.filter((r) => r.study === 'speed');
      expect(speed.reduce((n, t) => n + t.x.length, 0)).toBe(speedRows.length);
      for (const r of speedRows) {
        const t = speed.find((tr) => tr.name.includes(`(${r.host}/${r.backend})`) && tr.name.includes(r.cache ? '' : 'no KV cache') && (r.defaultPath ? !tr.name.includes('trie beam on') : tr.name.includes(`trie beam on the ${r.path}`)) && tr.x.includes(r.slatesPerSec));
        expect(t, `${r.host}/${r.backend} ${r.method} cache=${r.cache} ${r.path}`).toBeTruthy();
        expect(t!.y[t!.x.indexOf(r.slatesPerSec)]).toBe(r.recall5);
      }
      const len = await traces('decode-quality-length');
      const lengths = [...new Set(study.rows.filter((r) => r.study === 'length').map((r) => r.L))].sort((a, b) => a - b);
      expect(len).toHaveLength(3);
      for (const t of len) expect(t.x).toEqual(lengths);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
