// Node-only helpers: an InputFile over a path (fs stream), and directory expansion. Not imported by browser code.

import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import type { InputFile } from './input-file';

export async function fromPath(path: string): Promise<InputFile> {
  const st = await stat(path);
  return {
    name: basename(path),
    size: st.size,
    stream: () => Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as unknown as ReadableStream<Uint8Array>,
    head: async (n) => {
      const fh = await open(path, 'r');
      try {
        const buf = new Uint8Array(Math.min(n, st.size));
        await fh.read(buf, 0, buf.length, 0);
        return buf;
      } finally { await fh.close(); }
    },
  };
}

const DATA_EXT = /\.(csv|txt|inter|tsv)(\.gz)?$/i;

/** Files stay as given; a directory expands to every file in it with a data extension (sorted). */
export async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p);
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => DATA_EXT.test(n)).sort();
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

/** A FetchLike over a local folder (Node): used to load the bundled data from public/data in tests and the CLI. */
export function nodeFetchLike(dir: string): (path: string) => Promise<Response> {
  return async (path: string) => {
    try {
      const bytes = await readFile(join(dir, path));
      return new Response(bytes);
    } catch {
      return new Response(null, { status: 404 });
    }
  };
}

/** The repository's public/data folder, resolved from this file. */
export function bundledDataDir(): string {
  return fileURLToPath(new URL('../../public/data/', import.meta.url));
}
