import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { persistedFiles, persistedRuns } from './persist';

describe('persistence (IndexedDB)', () => {
  it('dropped files survive: put, list in drop order, read back the same bytes, dedupe by name+size+date, remove', async () => {
    const a = new File(['user_id video_id\n1 2\n'], 'a.txt', { lastModified: 1000 });
    const b = new File([new Uint8Array([1, 2, 3])], 'b.bin', { lastModified: 2000 });
    await persistedFiles.put(a);
    await new Promise((r) => setTimeout(r, 2));
    await persistedFiles.put(b);
    await persistedFiles.put(a); // the same file dropped twice is stored once
    const files = await persistedFiles.files();
    expect(files.map((f) => f.name).sort()).toEqual(['a.txt', 'b.bin']);
    const back = files.find((f) => f.name === 'a.txt')!;
    expect(await back.text()).toBe('user_id video_id\n1 2\n');
    expect(back.lastModified).toBe(1000);
    await persistedFiles.remove(a);
    expect((await persistedFiles.list()).map((f) => f.name)).toEqual(['b.bin']);
    await persistedFiles.clear();
    expect(await persistedFiles.list()).toEqual([]);
  });
  it('runs keep config, typed-array weights and summaries; list filters by kind, newest first', async () => {
    const w = { 'enc.weight': { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } };
    await persistedRuns.put({ id: 'r1', kind: 'tokenizer', createdAt: 1, updatedAt: 1, status: 'running', step: 10, totalSteps: 100, seed: 3, config: { K: 8 }, weights: w });
    await new Promise((r) => setTimeout(r, 2));
    await persistedRuns.put({ id: 'r2', kind: 'slate', createdAt: 2, updatedAt: 2, status: 'done', step: 5, totalSteps: 5, seed: 0, config: {} });
    const r1 = await persistedRuns.get('r1');
    expect(r1?.weights?.['enc.weight'].data).toBeInstanceOf(Float32Array);
    expect(Array.from(r1!.weights!['enc.weight'].data)).toEqual([1, 2, 3, 4]);
    expect((await persistedRuns.list('tokenizer')).map((r) => r.id)).toEqual(['r1']);
    expect((await persistedRuns.list()).map((r) => r.id)).toEqual(['r2', 'r1']);
    await persistedRuns.remove('r1');
    expect(await persistedRuns.get('r1')).toBeUndefined();
  });
});
