import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeVersion, fsReader, gitReader, importClosure, relativeImports, type RepoReader } from './code-version';

const memReader = (files: Record<string, string>): RepoReader => ({
  read: (rel) => files[rel] ?? null,
  list: (rel) => Object.keys(files).filter((f) => f.startsWith(`${rel}/`) && !f.slice(rel.length + 1).includes('/')).map((f) => f.slice(rel.length + 1)).sort(),
});

const TREE = {
  'src/a.ts': ["import { b } from './b';", "export * from './c';", "import type { T } from './types';", "import k from '../kernels/k.wgsl?raw';", 'export const a = 1;'].join('\n'),
  'src/b.ts': ["import {\n  x,\n  y,\n} from './dir';", "const w = new URL('./w.worker.js', import.meta.url);", "const m = await import(/* @vite-ignore */ './lazy');", "const bin = new URL('../build/out.wasm', import.meta.url);"].join('\n'),
  'src/c.ts': "import './side';",
  'src/dir/index.ts': 'export const x = 1, y = 2;',
  'src/w.worker.js': 'self.onmessage = () => {};',
  'src/lazy.ts': 'export {};',
  'src/side.ts': 'export {};',
  'src/types.ts': 'export type T = number;',
  'src/unrelated.ts': "import { a } from './a';",
  'kernels/k.wgsl': '@compute fn main() {}',
  'build/out.wasm': 'binary',
  'native/k.c': 'int f(void) { return 1; }',
  'native/k.h': 'int f(void);',
};

describe('code version', () => {
  it('follows static, re-export, side-effect and dynamic imports, workers and ?raw kernels; not type-only imports, tests or build outputs', () => {
    expect(relativeImports(TREE['src/a.ts']).sort()).toEqual(['../kernels/k.wgsl?raw', './b', './c']);
    const files = [...importClosure(['src/a.ts'], memReader(TREE)).keys()];
    expect(files).toEqual(['kernels/k.wgsl', 'src/a.ts', 'src/b.ts', 'src/c.ts', 'src/dir/index.ts', 'src/lazy.ts', 'src/side.ts', 'src/w.worker.js']);
  });

  it('changes with any file of the closure or of the extra files, and only with them', () => {
    const v = (t: Record<string, string>, extra: string[] = []) => codeVersion(['src/a.ts'], extra, memReader(t)).version;
    const base = v(TREE);
    expect(v({ ...TREE, 'src/unrelated.ts': '// edited' })).toBe(base);
    expect(v({ ...TREE, 'src/types.ts': 'export type T = string;' })).toBe(base);
    expect(v({ ...TREE, 'src/lazy.ts': 'export const z = 0;' })).not.toBe(base);
    expect(v({ ...TREE, 'kernels/k.wgsl': '@compute fn main() { }' })).not.toBe(base);
    const withC = v(TREE, ['native/']);
    expect(withC).not.toBe(base);
    expect(codeVersion(['src/a.ts'], ['native/'], memReader(TREE)).files).toBe(10);
    expect(v({ ...TREE, 'native/k.h': 'int f(int);' }, ['native/'])).not.toBe(withC);
    expect(() => importClosure(['src/missing.ts'], memReader(TREE))).toThrow(/src\/missing\.ts not found/);
  });

  it('is the same on the working tree and on the commit that holds the same files (git reader)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'higr-codever-'));
    for (const [f, text] of Object.entries(TREE)) {
      await mkdir(join(root, f, '..'), { recursive: true });
      await writeFile(join(root, f), text);
    }
    const git = (...a: string[]) => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c');
    const sha = git('rev-parse', 'HEAD').trim();
    const atCommit = codeVersion(['src/a.ts'], ['native/'], gitReader(root, sha));
    expect(codeVersion(['src/a.ts'], ['native/'], fsReader(root))).toEqual(atCommit);
    expect(atCommit.files).toBe(10);
    await writeFile(join(root, 'src/side.ts'), 'export const s = 1;');
    expect(codeVersion(['src/a.ts'], ['native/'], fsReader(root)).version).not.toBe(atCommit.version);
    expect(() => gitReader(root, '0123456789abcdef0123456789abcdef01234567')).toThrow(/not a commit of the repository/);
  });
});
