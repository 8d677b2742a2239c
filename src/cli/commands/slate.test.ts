import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bundledDataDir } from '../../data/node-file';
import decode from './decode';
import train from './train';
import { readCheckpoint, writeCheckpoint, type HsdCheckpointFile } from './slate-common';
import type { CliArgs } from '../result';

const args = (flags: CliArgs['flags'], out = os.tmpdir()): CliArgs => ({ data: [], out, seed: 0, quick: true, flags });

describe('higr train / decode: bad input is one clear line', () => {
  it('names the missing or malformed checkpoint file and the bad field', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hsd-'));
    await expect(decode.run(args({ checkpoint: path.join(dir, 'none.json'), backend: 'cpu' }))).rejects.toThrow(/none\.json: no such checkpoint/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"format":"x"}');
    expect(() => readCheckpoint(path.join(dir, 'bad.json'))).toThrow(/bad\.json: field "format" is "x"/);
    fs.writeFileSync(path.join(dir, 'trunc.json'), '{"format":');
    expect(() => readCheckpoint(path.join(dir, 'trunc.json'))).toThrow(/trunc\.json: not a JSON checkpoint/);
    await expect(train.run(args({ backend: 'tpu' }))).rejects.toThrow(/--backend must be one of auto, webgpu, wasm, cpu/);
    await expect(decode.run(args({ backend: 'cpu', checkpoint: path.join(dir, 'bad.json') }))).rejects.toThrow(/field "format"/);
  });

  it('checkpoint files round-trip typed arrays exactly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hsd-'));
    const f = path.join(dir, 'ck.json');
    const w = Float32Array.from([1.5, -2.25, 3e-8, NaN]);
    const ck = { format: 'higr-hsd-checkpoint/1', source: 's', numItems: 2, itemIds: Int32Array.from([7, -9]), sidTable: { sids: Int32Array.from([1, 2]) }, tokenizer: null, train: { weights: { a: { shape: [4], data: w } } } } as unknown as HsdCheckpointFile;
    writeCheckpoint(f, ck);
    const back = readCheckpoint(f);
    expect([...back.itemIds]).toEqual([7, -9]);
    expect(back.train.weights.a.data).toBeInstanceOf(Float32Array);
    expect([...back.train.weights.a.data].slice(0, 3)).toEqual([...w].slice(0, 3));
    expect(Number.isNaN(back.train.weights.a.data[3])).toBe(true);
  });
});

describe('higr train / decode --test <file>: external held-out users end to end', () => {
  it('trains a tiny HSD, then scores users never trained on (last 5 items = targets, the rest = input)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hsd-ext-'));
    // three held-out users built from real sequences under user ids the bundled file does not have, one too short
    const lines = gunzipSync(fs.readFileSync(path.join(bundledDataDir(), 'small_matrix_time_ordered.txt.gz'))).toString('utf8').trim().split('\n');
    const held = lines.slice(0, 3).map((l, i) => [990001 + i, ...l.split(/\s+/).slice(1, 30).map(Number)]);
    const file = path.join(dir, 'heldout.txt');
    fs.writeFileSync(file, `${held.map((h) => h.join(' ')).join('\n')}\n990009 1 2\n`);
    const a = (flags: CliArgs['flags']): CliArgs => ({ data: [], out: dir, seed: 0, quick: true, test: file, flags: { backend: 'wasm', epochs: '1', 'steps-per-epoch': '3', 'valid-users': '16', K: '16', beam: '5', ...flags } });
    const t = await train.run(a({}));
    const tj = t.json as { externalTest: { users: number; skippedShortUsers: number; metrics: Record<string, number> } };
    expect(tj.externalTest).toMatchObject({ users: 3, skippedShortUsers: 1 });
    for (const v of Object.values(tj.externalTest.metrics)) expect(v).toBeGreaterThanOrEqual(0);
    const d = await decode.run(a({}));
    const dj = d.json as { protocol: { split: string; external: { users: number } }; rows: { user: number; slate: number[]; target: number[] }[]; metrics: { recall: number } };
    expect(dj.protocol.split).toBe('external');
    expect(dj.rows.map((r) => r.user)).toEqual([990001, 990002, 990003]);
    dj.rows.forEach((r, i) => {
      expect(r.target).toEqual(held[i].slice(-5));
      expect(r.slate).toHaveLength(5);
      expect(new Set(r.slate).size).toBe(5);
      // history excluded: nothing of the input (all but the last 5) is recommended
      const input = new Set(held[i].slice(1, -5));
      for (const it of r.slate) expect(input.has(it)).toBe(false);
    });
    // train --test and decode --test score the same model on the same users
    expect(dj.metrics.recall).toBeCloseTo(tj.externalTest.metrics.recall, 10);
    // a user of the training data is refused, with the file and line
    fs.writeFileSync(path.join(dir, 'trained.txt'), `${lines[0]}\n`);
    await expect(decode.run({ ...a({}), test: path.join(dir, 'trained.txt') })).rejects.toThrow(/trained\.txt: line 1: user \d+ is also in the training data/);
    await expect(decode.run({ ...a({}), test: path.join(dir, 'none.txt') })).rejects.toThrow(/none\.txt: cannot read the --test file/);
  }, 900_000);
});
