// The CLI/bench loader: plain `node --import tsx --import ./scripts/wgsl-hooks.mjs` must import `x.wgsl?raw` as text.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-wgsl-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runNode(file: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--import', './scripts/wgsl-hooks.mjs', file], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

describe('scripts/wgsl-hooks.mjs', () => {
  it('imports a .wgsl file with ?raw as its exact text from a TypeScript module, composed with tsx', () => {
    const text = '// k\n@compute @workgroup_size(64)\nfn main() { let s = "q\\"uote"; }\n\u00e9\n';
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}');
    fs.mkdirSync(path.join(tmp, 'kernels'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'kernels', 'x.wgsl'), text);
    fs.mkdirSync(path.join(tmp, 'src'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'src', 'helper.ts'), 'export const twice = (n: number): number => 2 * n;\n');
    fs.writeFileSync(
      path.join(tmp, 'src', 'main.ts'),
      "import src from '../kernels/x.wgsl?raw';\nimport { twice } from './helper';\n" +
        'const n: number = twice(src.length);\nprocess.stdout.write(JSON.stringify({ src, n }));\n',
    );
    const r = runNode(path.join(tmp, 'src', 'main.ts'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ src: text, n: 2 * text.length });
  });

  it('names the file when a ?raw import does not exist', () => {
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}');
    fs.writeFileSync(path.join(tmp, 'missing.ts'), "import src from './nope.wgsl?raw';\nconsole.log(src);\n");
    const r = runNode(path.join(tmp, 'missing.ts'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('nope.wgsl');
  });
});
