// Where the real KuaiRec files of ../shared/data/kuairec live, for tests and benchmarks in Node.
// CI clones the repo with shared/ beside it; developers' machines have it at /work/shared. HIGR_SHARED_DATA overrides.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedKuaiRecDir(): string {
  const candidates = [process.env.HIGR_SHARED_DATA, join(repoRoot, '..', 'shared', 'data', 'kuairec'), '/work/shared/data/kuairec'].filter(
    (p): p is string => !!p,
  );
  const hit = candidates.find((p) => existsSync(join(p, 'side')));
  if (!hit) throw new Error(`real KuaiRec files not found (looked in ${candidates.join(', ')}); set HIGR_SHARED_DATA`);
  return hit;
}

/** Path of a file under shared/data/kuairec, e.g. sharedKuaiRec('side/item_categories.csv'). */
export const sharedKuaiRec = (rel: string) => join(sharedKuaiRecDir(), rel);
