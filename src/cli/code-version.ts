// The code version of a result: an FNV-1a hash over the source files a computation runs, so a cached result is reused
// only by the code that produced it. The files are the transitive closure of relative imports from entry modules
// (static `import`/`export … from`, side-effect imports, `import('…')` with a literal path, `new URL('…',
// import.meta.url)` for workers and `?raw` WGSL), plus extra files given by path (e.g. the wasm backend's C sources).
// Type-only imports are not followed (they do not run). Files are read through `read`, so the same hash can be
// computed on the working tree (fs) or on a past commit (`git show <sha>:<path>`), e.g. to check that an imported
// result was produced by the code the cache is keyed on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fnv1a } from '../data/fingerprint';

/** A repository's files by path relative to its root (posix separators): text (null when absent) and directory listings. */
export interface RepoReader {
  read(rel: string): string | null;
  /** file names directly in directory `rel` (sorted; empty when it does not exist) */
  list(rel: string): string[];
}

export function fsReader(root: string): RepoReader {
  return {
    read(rel) {
      try {
        return fs.readFileSync(path.join(root, rel), 'utf8');
      } catch {
        return null;
      }
    },
    list(rel) {
      try {
        return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort();
      } catch {
        return [];
      }
    },
  };
}

/** The files of commit `sha` in the git repository at `root` (`git show sha:path`). Throws if the commit is unknown. */
export function gitReader(root: string, sha: string): RepoReader {
  const git = (...a: string[]) => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
  let all: Set<string>;
  try {
    all = new Set(git('ls-tree', '-r', '--name-only', sha).split('\n').filter(Boolean));
  } catch {
    throw new Error(`${sha}: not a commit of the repository at ${root}`);
  }
  return {
    read: (rel) => (all.has(rel) ? git('show', `${sha}:${rel}`) : null),
    list: (rel) => [...all].filter((f) => f.startsWith(`${rel}/`) && !f.slice(rel.length + 1).includes('/')).map((f) => f.slice(rel.length + 1)).sort(),
  };
}

const IMPORT_RES = [
  // import x from '…', import { a } from '…', export { a } from '…', export * from '…' (not `import type` / `export type`)
  /(?:^|[\s;])(?:import|export)\s+(?!type\s)[^'";]*?\sfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
  // import '…' (side effect)
  /(?:^|[\s;])import\s*['"](\.{1,2}\/[^'"]+)['"]/g,
  // import('…')
  /\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
  // new URL('…', import.meta.url)
  /\bnew URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

/** Relative module specifiers imported by a source text (comments are not stripped: a commented-out import counts). */
export function relativeImports(src: string): string[] {
  const out = new Set<string>();
  for (const re of IMPORT_RES) for (const m of src.matchAll(re)) out.add(m[1]);
  return [...out];
}

function resolve(from: string, spec: string, read: RepoReader): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec.replace(/\?.*$/, '')));
  const tries = [base, `${base}.ts`, `${base}.tsx`, base.replace(/\.js$/, '.ts'), `${base}/index.ts`];
  for (const t of tries) if (read.read(t) !== null) return t;
  return null;
}

/** The source files reachable from `entries` by relative imports (sorted), each with its text. */
export function importClosure(entries: string[], read: RepoReader): Map<string, string> {
  const seen = new Map<string, string>();
  const todo = [...entries];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    const src = read.read(f);
    if (src === null) throw new Error(`code version: ${f} not found`);
    seen.set(f, src);
    // only code imports code; a data file or a kernel (.wgsl) is hashed but not parsed
    if (!/\.(ts|tsx|js|mjs)$/.test(f)) continue;
    for (const spec of relativeImports(src)) {
      const r = resolve(f, spec, read);
      // build outputs (build/wasm/*.wasm) are not sources: the caller covers them by their sources in `extra`
      if (r !== null && !r.startsWith('build/') && !/\.test\.ts$/.test(r)) todo.push(r);
    }
  }
  return new Map([...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Hash of the closure of `entries` plus the `extra` files (a path ending in `/`: every file of that directory), e.g.
 * the C sources and the build script of a compiled backend. A missing extra file hashes as absent.
 */
export function codeVersion(entries: string[], extra: string[], read: RepoReader): { version: string; files: number } {
  const files = importClosure(entries, read);
  for (const e of extra) {
    if (!e.endsWith('/')) files.set(e, read.read(e) ?? '\u0000missing');
    else for (const name of read.list(e.slice(0, -1))) files.set(`${e}${name}`, read.read(`${e}${name}`) ?? '');
  }
  const parts = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([f, s]) => `${f}\u0000${s}`);
  return { version: fnv1a(new TextEncoder().encode(parts.join('\u0001'))), files: files.size };
}
