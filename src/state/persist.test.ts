import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { persistedFiles } from './persist';

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
  it('the run store keeps records and typed-array checkpoints; list filters by stage, newest first; remove drops both', async () => {
    const { indexedDbRunStore } = await import('../stages/run-store');
    const store = indexedDbRunStore();
    const rec = (id: string, stage: string, createdAt: number) =>
      ({ id, stage, configHash: 'h', seed: 0, dataset: 'd', backend: 'cpu', repeat: 1, config: {}, status: 'done', step: 1, total: 1, createdAt, updatedAt: createdAt, checkpointStep: null, inputs: {}, summary: null, seconds: 0 }) as const;
    await store.put({ ...rec('r1', 'tokenizer', 1), status: 'interrupted', checkpointStep: 10 });
    await store.put(rec('r2', 'slate', 2));
    await store.putCheckpoint('r1', { step: 10, weights: { 'enc.weight': { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } } });
    const ck = await store.getCheckpoint<{ weights: Record<string, { data: Float32Array }> }>('r1');
    expect(ck?.weights['enc.weight'].data).toBeInstanceOf(Float32Array);
    expect(Array.from(ck!.weights['enc.weight'].data)).toEqual([1, 2, 3, 4]);
    expect((await store.list('tokenizer')).map((r) => r.id)).toEqual(['r1']);
    expect((await store.list()).map((r) => r.id)).toEqual(['r2', 'r1']);
    await store.remove('r1');
    expect(await store.get('r1')).toBeUndefined();
    expect(await store.getCheckpoint('r1')).toBeUndefined();
  });
});
