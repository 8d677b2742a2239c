import { afterEach, describe, expect, it } from 'vitest';
import type { GpuInfo } from '../engine/device';
import type { DeviceLostEvent, GpuBackend, ProbeResult } from '../worker/client';
import { setGpuBackend } from './gpu-slice';
import { makeStore } from './store';

const INFO: GpuInfo = {
  host: 'browser',
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: '',
  isSoftware: true,
  features: ['timestamp-query'],
  f16: false,
  timestampQuery: true,
  limits: { maxBufferSize: 1 << 30 },
};

function fakeBackend(results: ProbeResult[]) {
  let lost: ((e: DeviceLostEvent) => void) | null = null;
  let probes = 0;
  const b: GpuBackend & { fireLost(e: DeviceLostEvent): void; probes(): number } = {
    async probe() {
      return results[Math.min(probes++, results.length - 1)];
    },
    async onLost(cb) {
      lost = cb;
    },
    async simulateLoss() {
      lost?.({ reason: 'destroyed', message: 'Device was destroyed.' });
      return true;
    },
    fireLost: (e) => lost?.(e),
    probes: () => probes,
  };
  return b;
}

afterEach(() => setGpuBackend(null));

describe('store', () => {
  it('starts probing, then ready with plain-data info', async () => {
    const b = fakeBackend([{ ok: true, info: INFO }]);
    setGpuBackend(b);
    const s = makeStore();
    expect(s.getState().gpu.status).toBe('probing');
    await s.getState().probeGpu();
    const g = s.getState().gpu;
    expect(g.status).toBe('ready');
    expect(g.info).toEqual(INFO);
    expect(g.acquisitions).toBe(1);
    expect(() => structuredClone(s.getState().gpu)).not.toThrow(); // nothing exotic in the store
  });

  it('reports unavailable with message and hint', async () => {
    setGpuBackend(fakeBackend([{ ok: false, error: { code: 'no-adapter', message: 'no adapter', hint: 'use flag' } }]));
    const s = makeStore();
    await s.getState().probeGpu();
    expect(s.getState().gpu).toMatchObject({ status: 'unavailable', info: null, error: { code: 'no-adapter', hint: 'use flag' } });
  });

  it('turns a failing worker into a readable unavailable state', async () => {
    setGpuBackend({
      probe: async () => {
        throw new Error('the pipeline worker failed: boom');
      },
      onLost: async () => {},
      simulateLoss: async () => false,
    });
    const s = makeStore();
    await s.getState().probeGpu();
    expect(s.getState().gpu.status).toBe('unavailable');
    expect(s.getState().gpu.error?.message).toContain('boom');
  });

  it('goes lost on device loss and back to ready on reconnect', async () => {
    const b = fakeBackend([{ ok: true, info: INFO }]);
    setGpuBackend(b);
    const s = makeStore();
    await s.getState().probeGpu();
    await s.getState().simulateDeviceLoss();
    expect(s.getState().gpu.status).toBe('lost');
    expect(s.getState().gpu.lost?.reason).toBe('destroyed');
    expect(s.getState().gpu.info).toEqual(INFO); // still shown, greyed, in the header
    await s.getState().probeGpu();
    expect(s.getState().gpu).toMatchObject({ status: 'ready', lost: null, acquisitions: 2 });
    expect(b.probes()).toBe(2);
  });

  it('url slice validates patches and records problems', () => {
    const s = makeStore();
    s.getState().setUrl({ panel: 'tokenizer', seed: 3 });
    expect(s.getState().url).toMatchObject({ panel: 'tokenizer', seed: 3, backend: 'auto' });
    s.getState().setUrl({ seed: -1 as number });
    expect(s.getState().url.seed).toBe(3);
    expect(s.getState().urlProblems).toEqual(['invalid seed="-1" not applied (must be an integer in [0, 4294967295]); kept 3']);
    s.getState().setUrl({}, ['x']);
    expect(s.getState().urlProblems).toEqual(['x']);
    s.getState().setUrl({}, []);
    expect(s.getState().urlProblems).toEqual([]);
  });
});
