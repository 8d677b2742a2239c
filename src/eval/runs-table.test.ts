import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../stages/types';
import { table1FromRuns } from './runs-table';
import { pairedTTest } from './significance';

const m5 = (r: number) => ({ hit5: 2 * r, recall5: r, ndcg5: r / 2 });
let t = 0;
function run(model: string, seed: number, perUser: number[], o: Partial<RunRecord> = {}, cfg: Record<string, unknown> = {}): RunRecord {
  const recall = perUser.reduce((a, b) => a + b, 0) / perUser.length;
  return {
    stage: 'table1-model', configHash: 'h', seed, dataset: 'fp', backend: 'wasm', id: `${model}-${seed}-${t}`, repeat: 1,
    config: { model, protocol: 'reference', users: 4, ...cfg }, status: 'done', step: 1, total: 1, createdAt: t, updatedAt: t++, checkpointStep: null,
    inputs: {}, seconds: 1,
    summary: { metrics: {}, curves: { step: [], series: {} }, extra: { row: { model: model.toUpperCase(), id: model, objective: 'o', params: 10, mean: m5(recall), trainSeconds: 2, coverage: 0 }, perUser, protocol: 'P', users: 4, items: 9 } },
    ...o,
  } as RunRecord;
}

describe('Table 1 from finished runs', () => {
  it('mean ± sample std over the seeds, paired t-test against the strongest row, newest run per seed, only the form\'s settings', () => {
    const a1 = [0.2, 0.4, 0, 0.2], a2 = [0.4, 0.4, 0.2, 0.2];
    const b = [0, 0.2, 0, 0];
    const recs = [
      run('sasrec', 3, [1, 1, 1, 1]), // superseded by the newer seed-3 run below
      run('sasrec', 3, a1),
      run('sasrec', 4, a2),
      run('pop', 3, b),
      run('pop', 3, [1, 1, 1, 1], { status: 'failed' }),
      run('cooc', 3, [1, 1, 1, 1], {}, { users: 8 }), // other settings: not this table
      run('hstu', 9, [1, 1, 1, 1]), // seed outside the form's seeds
    ];
    const tab = table1FromRuns(recs, { protocol: 'reference', users: 4 }, [3, 4], ['pop', 'cooc', 'sasrec', 'bert4rec', 'hstu']);
    expect(tab.rows.map((r) => r.id)).toEqual(['pop', 'sasrec']);
    const sas = tab.rows[1];
    expect(sas.seeds).toEqual([3, 4]);
    expect(sas.mean.recall5).toBeCloseTo((0.2 + 0.3) / 2, 12);
    expect(sas.std.recall5).toBeCloseTo(Math.SQRT1_2 * 0.1, 12);
    expect(tab.best).toBe('sasrec');
    expect(sas.pValueVsBest).toBeNull();
    const meanA = a1.map((x, i) => (x + a2[i]) / 2);
    expect(tab.rows[0].pValueVsBest).toBeCloseTo(pairedTTest(b, meanA).p, 12);
    expect(tab).toMatchObject({ protocol: 'P', users: 4, items: 9 });
    expect(table1FromRuns(recs, { users: 99 }, [3], ['pop']).rows).toEqual([]);
  });

  it('compares the SID settings only for the SID models, shows their SID source and resumed seeds; HiGR alone has no test', () => {
    const sid = (label: string, resumedFrom: number | null) => (r: RunRecord) => ({ ...r, summary: { ...r.summary!, extra: { ...(r.summary!.extra as object), sids: { label }, resumedFrom } } }) as RunRecord;
    const recs = [
      run('sasrec', 3, [0.2, 0.2, 0.2, 0.2], {}, { sidKind: 'rq-vae' }), // a sequence model: its SID settings do not matter
      sid('run T', null)(run('tiger', 3, [0, 0.2, 0, 0.2], {}, { sidKind: 'rq-kmeans' })),
      sid('run T', 40)(run('tiger', 4, [0, 0.2, 0.2, 0.2], {}, { sidKind: 'rq-kmeans' })),
      sid('run U', null)(run('onerec', 3, [1, 1, 1, 1], {}, { sidKind: 'rq-vae' })), // other SIDs: not this table
      sid('run T', null)(run('higr', 3, [0.4, 0.4, 0.4, 0.4], {}, { sidKind: 'rq-kmeans' })),
    ];
    const only = { keys: ['sidKind'], models: ['higr', 'tiger', 'onerec'] };
    const tab = table1FromRuns(recs, { protocol: 'reference', users: 4, sidKind: 'rq-kmeans' }, [3, 4], ['sasrec', 'higr', 'tiger', 'onerec'], only);
    expect(tab.rows.map((r) => [r.id, r.seeds, r.sids, r.resumedSeeds])).toEqual([
      ['sasrec', [3], null, []],
      ['higr', [3], 'run T', []],
      ['tiger', [3, 4], 'run T', [4]],
    ]);
    expect(tab.best).toBe('sasrec'); // HiGR is compared against the strongest baseline, never "the best"
    expect(tab.rows[1].pValueVsBest).not.toBeNull();
    const alone = table1FromRuns([recs[4]], { protocol: 'reference', users: 4, sidKind: 'rq-kmeans' }, [3], ['higr'], only);
    expect(alone.rows.map((r) => [r.id, r.pValueVsBest])).toEqual([['higr', null]]);
    expect(alone.best).toBeNull();
  });
});
