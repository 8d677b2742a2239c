// The parity comparison's statistics and verdicts on made-up per-seed figures (the benchmark itself trains; this does not).
import { describe, expect, it } from 'vitest';
import { welchTTest } from '../src/eval/significance';
import { compare, parseSeedList, renderParity, type ParityResult } from './tokenizer-parity';

const seeds = (vals: number[], first = 0) => vals.map((v, i) => ({ seed: first + i, metrics: { collisionRate: v, consistencyKappa: 0.2, consistency: null, consistencyInductiveKappa: v / 2, concentration: 0.7 + i * 0.001, reconRel: 0.6 } }));

describe('bench:tokenizer-parity comparison', () => {
  it('seed lists: ranges and lists', () => {
    expect(parseSeedList('0-9', '--seeds')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parseSeedList('0,2,5-6', '--seeds')).toEqual([0, 2, 5, 6]);
  });

  it('verdicts: identical on every seed / within seed noise / systematic with the Welch CI', () => {
    const cpu = [0.109, 0.112, 0.112, 0.114, 0.110, 0.111, 0.113, 0.108, 0.112, 0.111];
    const far = cpu.map((x, i) => x + 0.01 + (i % 3) * 0.001);
    const near = [0.111, 0.109, 0.113, 0.112, 0.110, 0.114, 0.108, 0.112, 0.111, 0.112];
    const per = {
      'RQ-VAE': { cpu: seeds(cpu), wasm: seeds(far) },
      'CRQ-VAE': { cpu: seeds(cpu), wasm: seeds(near) },
      'RQ-Kmeans': { cpu: seeds(cpu.slice(0, 3)), wasm: seeds(cpu.slice(0, 3)) },
    };
    const c = compare(per, ['cpu', 'wasm']);
    const get = (m: string, k: string) => c.find((x) => x.method === m && x.metric === k)!;
    // consistency is null everywhere: not compared; consistencyKappa is constant on both: identical
    expect(c.some((x) => x.metric === 'consistency')).toBe(false);
    expect(get('RQ-VAE', 'consistencyKappa').versus[0].verdict).toBe('identical on every seed');
    const w = welchTTest(cpu, far);
    const r = get('RQ-VAE', 'collisionRate');
    expect(r.backends.map((b) => b.n)).toEqual([10, 10]);
    expect(r.backends[0].sd).toBeCloseTo(w.sdA, 15);
    expect(r.versus[0].diff).toBeCloseTo(w.diff, 15);
    expect(r.versus[0].ci95).toEqual(w.ci);
    expect(r.versus[0].verdict).toMatch(/^systematic: \+0\.01\d\d \(CI 0\.0\d+ … 0\.0\d+\)$/);
    expect(get('CRQ-VAE', 'collisionRate').versus[0].verdict).toBe('within seed noise');
    expect(get('RQ-Kmeans', 'collisionRate').versus[0]).toMatchObject({ verdict: 'identical on every seed', identicalSeeds: 3, sharedSeeds: 3 });
    // equal means but not seed by seed: noise, not identity
    const shuffled = compare({ X: { cpu: seeds([1, 2, 3]), wasm: seeds([3, 2, 1]) } }, ['cpu', 'wasm']);
    expect(shuffled.find((x) => x.metric === 'collisionRate')!.versus[0].verdict).toBe('within seed noise');
    // one seed on a backend: no comparison (no std)
    expect(compare({ X: { cpu: seeds([1]), wasm: seeds([1, 2]) } }, ['cpu', 'wasm'])).toEqual([]);

    const result = { backends: [{ backend: 'cpu', kind: 'cpu', detail: 'cpu', threads: 1, codeVersion: 'a' }, { backend: 'wasm', kind: 'wasm', detail: 'wasm', threads: 2, codeVersion: 'b' }], comparisons: c, date: '2026-12-01T18:00:00.000Z', settings: { cache: 'docs/results/tokenizer-runs' }, cacheFiles: ['x'] } as unknown as ParityResult;
    const md = renderParity(result);
    expect(md).toContain('| RQ-VAE | collision | 0–9 (n = 10): 0.1112 ± 0.0018 |');
    expect(md).toContain('**systematic: +0.01');
    expect(md).toMatch(/about \d+\.\d would come out "systematic" by chance alone if no figure differed; 2 did \(RQ-VAE collision, RQ-VAE inductive κ\)/);
  });
});
