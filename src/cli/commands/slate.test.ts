import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
