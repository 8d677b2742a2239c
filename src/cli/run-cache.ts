// Finished runs on disk, one JSON file each: `<dir>/<name>.json` holding a record with its `key`. A record is reused only
// when the key stored in the file equals the key asked for (a file renamed or edited by hand with another key is a miss).
// Used by the Table 1 run cache (docs/results/table1-runs) and the tokenizer run cache (docs/results/tokenizer-runs).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface JsonRunCache<T extends { key: string }> {
  get(name: string, key: string): Promise<T | null>;
  put(name: string, record: T): Promise<void>;
}

export function jsonRunCache<T extends { key: string }>(dir: string): JsonRunCache<T> {
  const file = (name: string) => path.join(dir, `${name}.json`);
  return {
    async get(name, key) {
      try {
        const r = JSON.parse(await readFile(file(name), 'utf8')) as T;
        return r.key === key ? r : null;
      } catch {
        return null;
      }
    },
    async put(name, record) {
      await mkdir(dir, { recursive: true });
      await writeFile(file(name), JSON.stringify(record) + '\n');
    },
  };
}
