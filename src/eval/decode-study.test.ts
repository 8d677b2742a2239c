import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend, testGpu } from '../engine/testing';
import { plantedTask } from '../models/planted';
import { decodePayload, decodeStudyDefaults, decodeStudySettings, defaultDecodePath, measurePayload, speedRatios, trainDecodeModels, type DecodeRow } from './decode-study';
import { higrSettings, onerecTrainConfig } from './generative';

const task = plantedTask();
const recipe = { epochs: 3, stepsPerEpoch: 60, batchSize: 16, lr: 5e-3, warmup: 10, validUsers: 0, patience: 0, logEvery: 10, beam: 3, decodeBatch: 16 };
const settings = decodeStudySettings({
  seed: 0,
  model: { dim: 16, heads: 2, ffn: 24, encoderLayers: 1, slateLayers: 1, itemLayers: 1, slateSize: 5, maxSlate: 10, maxHistory: 12 },
  train: { gsbi: recipe, onerec: recipe },
  beam: 3,
  decodeBatch: 16,
  lengths: [1, 2, 5],
});

describe('decode study (bench:decode)', () => {
  it('recipes: each model trains with its Table 1 recipe; bad settings are one clear error', () => {
    const d = decodeStudyDefaults({ seed: 2 });
    const { model, ...higrTrain } = higrSettings({ seed: 2, quick: false });
    expect(d.model).toEqual(model);
    expect(d.train.gsbi).toEqual(higrTrain);
    expect(d.train.onerec).toEqual(onerecTrainConfig({ seed: 2, quick: false }));
    expect(d.beam).toBe(5);
    expect(() => decodeStudySettings({ lengths: [0] })).toThrow(/lengths/);
    expect(() => decodeStudySettings({ evalUsers: -1 })).toThrow(/evalUsers/);
  });

  it('trains both decoders, then times every row per backend with its decode path labelled; device = host slates; both beat popularity', async () => {
    setBackend(cpuBackend);
    const models = await trainDecodeModels(task.inputs, settings);
    const users = { histories: task.cases.map((c) => c.history), targets: task.cases.map((c) => c.target) };
    const payload = await decodePayload(models, task.inputs, users, settings);
    models.hsd.dispose();
    models.flat.dispose();
    expect(payload.params.gsbi).toBeGreaterThan(0);
    expect(Math.abs(payload.params.gsbi - payload.params.onerec) / payload.params.gsbi).toBeLessThan(0.1);
    expect(payload.training.gsbi.validRecall5).toHaveLength(3);

    const gpu = await testGpu();
    const useBackend = async (kind: string) => {
      const be = kind === 'webgpu' ? gpu : cpuBackend;
      setBackend(be);
      return be.describe();
    };
    const { rows, backends } = await measurePayload(payload, [
      { backend: 'cpu', paths: 'default', studies: ['speed', 'length'], users: 0 },
      { backend: 'webgpu', paths: 'both', studies: ['speed'], users: 8, reps: 2 },
    ], { host: 'node', useBackend });
    setBackend(cpuBackend);
    expect(Object.keys(backends)).toEqual(['cpu', 'webgpu']);

    const cpu = rows.filter((r) => r.backend === 'cpu');
    const web = rows.filter((r) => r.backend === 'webgpu');
    // cpu: each method on its default path (host for both), both studies, every user
    expect(cpu.filter((r) => r.study === 'speed')).toHaveLength(6);
    expect(cpu.filter((r) => r.study === 'length').map((r) => `${r.method}@${r.L}`).sort()).toEqual(['gsbi@1', 'gsbi@2', 'gsbi@5', 'onerec-beam@1', 'onerec-beam@2', 'onerec-beam@5', 'onerec-greedy@1', 'onerec-greedy@2', 'onerec-greedy@5']);
    expect(cpu.every((r) => r.path === 'host' && r.defaultPath && r.users === task.cases.length && r.sameSlates === undefined)).toBe(true);
    // webgpu: speed only, both paths, 8 users; GSBI's default there is the device, the flat decoder's the host
    expect(web).toHaveLength(12);
    expect(web.every((r) => r.study === 'speed' && r.users === 8 && r.L === 5)).toBe(true);
    for (const r of web) {
      expect(r.defaultPath, `${r.method} ${r.path}`).toBe(r.path === defaultDecodePath(r.method, 'webgpu'));
      expect(r.sameSlates, `${r.method} ${r.path} cache ${r.cache}`).toBe(r.defaultPath ? undefined : true);
    }
    expect(web.filter((r) => r.method === 'gsbi' && r.defaultPath).every((r) => r.path === 'device')).toBe(true);
    expect(web.filter((r) => r.method !== 'gsbi' && r.defaultPath).every((r) => r.path === 'host')).toBe(true);
    // the KV cache changes the speed, not the slates
    const at = (m: DecodeRow['method'], cache: boolean) => cpu.find((r) => r.study === 'speed' && r.method === m && r.cache === cache)!;
    for (const m of ['gsbi', 'onerec-greedy', 'onerec-beam'] as const) expect(at(m, false).recall5, m).toBe(at(m, true).recall5);
    for (const r of rows) expect(r.slatesPerSec).toBeGreaterThan(0);
    // speed rows on WebGPU: the median of 2 interleaved passes; one pass elsewhere
    for (const r of web) expect(r.runs).toHaveLength(2);
    for (const r of cpu) expect(r.runs).toHaveLength(1);
    for (const r of rows) expect(r.slatesPerSec).toBeCloseTo(r.runs.length === 1 ? r.runs[0] : r.users / ((r.users / r.runs[0] + r.users / r.runs[1]) / 2), 6);
    // a 1-item slate: recall@L and recall@5 score the same single item
    for (const r of cpu.filter((x) => x.study === 'length' && x.L === 1)) expect(r.recallL).toBe(r.recall5);
    // learned: both decoders beat popularity on the held-out planted users
    expect(at('gsbi', true).recall5).toBeGreaterThan(task.popularityRecall5 + 0.2);
    expect(at('onerec-beam', true).recall5).toBeGreaterThan(task.popularityRecall5 + 0.2);

    const ratios = speedRatios(rows);
    expect(ratios.filter((r) => r.backend === 'cpu')).toHaveLength(4);
    expect(ratios.filter((r) => r.backend === 'webgpu')).toHaveLength(8);
    const g = web.find((r) => r.method === 'gsbi' && r.cache && r.defaultPath)!;
    const b = web.find((r) => r.method === 'onerec-beam' && !r.cache && r.path === 'host')!;
    expect(ratios.find((r) => r.backend === 'webgpu' && r.method === 'onerec-beam' && !r.cache && r.path === 'host')!.ratio).toBeCloseTo(g.slatesPerSec / b.slatesPerSec, 10);
  }, 300_000);
});
