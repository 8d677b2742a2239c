// Node-only: writes the synthetic raw files into a directory (CLI, bench, e2e fixtures).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSyntheticKuaiRec, type SyntheticOptions } from './synthetic';

export async function writeSyntheticKuaiRec(dir: string, opts: SyntheticOptions = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const { files } = generateSyntheticKuaiRec(opts);
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    await writeFile(p, text, 'utf8');
    paths.push(p);
  }
  return paths;
}
