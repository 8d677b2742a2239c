import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { bundledDataDir, nodeFetchLike } from '../data/node-file';
import { getDataset } from '../data/registry';
import { DataSession } from '../data/session';
import { generateSyntheticKuaiRec } from '../data/synthetic';
import { createDataSlice, setDataBackend, type DataBackend, type DataSlice } from './data-slice';

function sessionBackend(): DataBackend {
  const s = new DataSession();
  return {
    loadBundled: (cb) => s.loadBundled(nodeFetchLike(bundledDataDir()), cb),
    addFiles: (files, cb) => s.addFiles(files, cb),
    cancel: async (n) => s.cancel(n),
    setProtocol: async (p) => s.setProtocol(p),
    remove: async (id) => s.remove(id),
    getDataset: async () => s.dataset() ?? null,
    itemFeatures: async (spec) => s.itemFeatures(spec),
    assembleStage: async (stage, cfg, extras) => {
      const { stageEntry } = await import('../stages');
      const d = s.stageData();
      return { inputs: await stageEntry(stage).assemble(d, cfg, extras), fingerprint: d.fingerprint };
    },
  };
}

describe('data slice (DataSession backend in Node)', () => {
  it('opens with the bundled dataset, adds dropped files, keeps them on a bad drop, exposes a dataset handle', async () => {
    setDataBackend(sessionBackend());
    const store = createStore<DataSlice>()(createDataSlice);
    await store.getState().loadBundled();
    let d = store.getState().data;
    expect(d.status).toBe('ready');
    expect(d.snapshot!.stats!.source).toBe('small_matrix_time_ordered.txt');
    expect(d.rows.filter((r) => r.bundled && r.status === 'loaded').length).toBe(5);
    expect(d.snapshot!.attribution).toMatch(/CC BY-SA 4\.0/);

    const { files } = generateSyntheticKuaiRec({ seed: 9, users: 20 });
    await store.getState().addFiles([new File([files['big_matrix.csv']], 'big_matrix.csv')]);
    d = store.getState().data;
    expect(d.rows.find((r) => r.name === 'big_matrix.csv')).toMatchObject({ status: 'loaded', kind: 'interactions' });
    expect(d.snapshot!.stats!.source).toBe('big_matrix.csv');
    expect(d.snapshot!.stats!.impressionsAvailable).toBe(true);
    const before = d.snapshot!.stats;

    await store.getState().addFiles([new File(['user_id,video_id\n1,2\n'], 'bad.csv'), new File([files['big_matrix.csv']], 'big_matrix.csv')]);
    d = store.getState().data;
    expect(d.rows.find((r) => r.name === 'bad.csv')!.status).toBe('error');
    expect(d.rows.find((r) => r.name === 'bad.csv')!.issues[0].message).toMatch(/bad\.csv/);
    expect(d.rows.filter((r) => r.name === 'big_matrix.csv').map((r) => r.status)).toEqual(['loaded', 'duplicate']);
    expect(d.snapshot!.stats).toEqual(before);

    await store.getState().setProtocol({ source: 'small_matrix_time_ordered.txt', validation: true });
    d = store.getState().data;
    expect(d.snapshot!.protocol).toMatchObject({ source: 'small_matrix_time_ordered.txt', validation: true });
    expect(d.snapshot!.split!.valid).toBe(d.snapshot!.stats!.users);

    const id = await store.getState().fetchDataset();
    expect(id).toBe(d.datasetId);
    expect(getDataset(id!)!.userIds.length).toBe(d.snapshot!.stats!.users);
    // nothing heavy in the store
    expect(JSON.stringify(store.getState().data).length).toBeLessThan(100_000);
    setDataBackend(null);
  });
});
