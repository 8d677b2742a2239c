import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index';
import { main, parseArgs } from './higr';
import { cliBackend, mdTable, type Command } from './result';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function capture(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('parseArgs', () => {
  it('parses the common options, repeatable --data and free flags', () => {
    const p = parseArgs(['eval', '--data', 'a.csv', '--data=b/', '--out', 'o', '--seed', '7', '--quick', '--test', 't.txt', '--beam', '4', '--fast']);
    expect(p.command).toBe('eval');
    expect(p.args).toEqual({ data: ['a.csv', 'b/'], out: 'o', seed: 7, quick: true, quickGiven: true, test: 't.txt', flags: { beam: '4', fast: true } });
    // an explicit --quick=false is recorded as given (stages with their own quick default need to know)
    expect(parseArgs(['run', '--quick=false']).args).toMatchObject({ quick: false, quickGiven: true });
    expect(() => parseArgs(['run', '--quick=yes'])).toThrow('--quick takes no value');
  });

  it('has defaults', () => {
    expect(parseArgs(['gpu']).args).toEqual({ data: [], out: 'docs/results', seed: 0, quick: false, flags: {} });
  });

  it('rejects bad values with a message naming the option', () => {
    expect(() => parseArgs(['x', '--seed', '-1'])).toThrow('--seed must be an integer');
    expect(() => parseArgs(['x', '--seed', '1.5'])).toThrow('--seed must be an integer');
    expect(() => parseArgs(['x', '--data'])).toThrow('option --data needs a value');
    expect(() => parseArgs(['x', '--out', '--quick'])).toThrow('option --out needs a value');
  });
});

describe('runner', () => {
  const fake: Command = {
    name: 'fake-test',
    describe: 'test command',
    async run(args) {
      if (args.flags.fail) throw new Error(`bad file ${args.data[0]}:\n  line 3: expected 8 columns`);
      return {
        table: mdTable(['k', 'n'], [['a', 1], ['b|c', 2]]),
        json: { protocol: 'p1', settings: { extra: 1 }, figures: { x: [1, 2] } },
      };
    },
  };
  COMMANDS[fake.name] = async () => fake;
  const fakeBackend: Command = {
    name: 'fake-backend',
    describe: 'picks a backend',
    async run(args) {
      const sel = await cliBackend(args);
      return { table: `backend ${sel.kind}`, json: {} };
    },
  };
  COMMANDS[fakeBackend.name] = async () => fakeBackend;

  it('--backend: the choice and its reason land in environment; a bad value is one clear line', async () => {
    const out = path.join(tmp, 'be');
    const r = await capture(['fake-backend', '--backend', 'wasm', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'fake-backend.json'), 'utf8'));
    expect(j.environment).toMatchObject({ backend: 'wasm', backendReason: 'requested: wasm', backendDetail: expect.stringContaining('SIMD128') });
    const bad = await capture(['fake-backend', '--backend', 'gpu', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('higr fake-backend: --backend must be one of auto, webgpu, wasm, cpu, got "gpu"\n');
  });

  it('prints the table and writes <out>/<command>.json with the standard fields', async () => {
    const out = path.join(tmp, 'res');
    const r = await capture(['fake-test', '--out', out, '--seed', '3', '--data', 'd.csv', '--k', 'v']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('| k | n |\n| --- | ---: |\n| a | 1 |\n| b\\|c | 2 |');
    const j = JSON.parse(fs.readFileSync(path.join(out, 'fake-test.json'), 'utf8'));
    expect(j).toMatchObject({
      command: 'fake-test',
      protocol: 'p1',
      settings: { data: ['d.csv'], quick: false, k: 'v', extra: 1 },
      seed: 3,
      environment: { adapter: null, backend: 'cpu', backendReason: 'the command used no GPU (CPU only)', fallbacks: [], node: process.version },
      figures: { x: [1, 2] },
    });
    expect(Object.keys(j).slice(0, 5)).toEqual(['command', 'protocol', 'settings', 'seed', 'environment']);
    expect(typeof j.environment.date).toBe('string');
  });

  it('turns any error into ONE line `higr <command>: <message>` and exit 1', async () => {
    const r = await capture(['fake-test', '--fail', '--data', 'x.csv', '--out', path.join(tmp, 'r2')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('higr fake-test: bad file x.csv: line 3: expected 8 columns\n');
    expect(fs.existsSync(path.join(tmp, 'r2', 'fake-test.json'))).toBe(false);
    const u = await capture(['nope']);
    expect(u.code).toBe(1);
    expect(u.err).toMatch(/^higr nope: unknown command "nope" \(available: .*gpu.*\)\n$/);
  });

  it('help lists every registered command', async () => {
    const r = await capture(['help']);
    expect(r.code).toBe(0);
    for (const n of Object.keys(COMMANDS)) expect(r.out).toContain(`  ${n}`);
    expect(r.out).toContain('--data <file|dir>');
  });
});

describe('higr process (node + tsx + wgsl hooks + Dawn)', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--import', './scripts/wgsl-hooks.mjs', 'src/cli/higr.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('`gpu --quick` reports the Dawn adapter, runs the WGSL self-test and writes gpu.json', () => {
    const out = path.join(tmp, 'gpu');
    const r = run(['gpu', '--quick', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\| host \| node-dawn \|/);
    expect(r.stdout).toMatch(/\| self-test \| ok: 1,000 values, exact/);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'gpu.json'), 'utf8'));
    expect(j.command).toBe('gpu');
    expect(j.environment.backend).toBe('webgpu');
    expect(j.environment.backendDetail).toBe('webgpu (node-dawn)');
    expect(j.environment.adapter).toContain('node-dawn');
    expect(j.selftest).toMatchObject({ n: 1000, maxAbsErr: 0 });
  });

  it('bad usage: one line on stderr, exit 1', () => {
    const r = run(['gpu', '--seed', 'x']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('higr gpu: --seed must be an integer in [0, 2^32-1], got "x"\n');
  });
});

describe('command registry', () => {
  it('a command whose file is missing gives a clear "not available" error', async () => {
    const { optional } = await import('./commands/index');
    await expect(optional('nope', './nope.ts')()).rejects.toThrow('command "nope" is not available yet (src/cli/commands/nope.ts is missing)');
  });

  it('every registered command loads and has a name matching its key and a description', async () => {
    for (const [key, load] of Object.entries(COMMANDS)) {
      const c = await load();
      expect(c.name).toBe(key);
      expect(c.describe.length).toBeGreaterThan(10);
      expect(typeof c.run).toBe('function');
    }
  });
});
