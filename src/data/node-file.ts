// Node-only helpers: an InputFile over a path (fs stream), and directory expansion. Not imported by browser code.

import { open, readdir, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import type { InputFile } from './input-file';

export async function fromPath(path: string): Promise<InputFile> {
  const st = await stat(path);
  return {
    name: basename(path),
    size: st.size,
    stream: () => fileStream(path),
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

/**
 * A pull-based web stream over a file: one 1 MiB read per reader.read(), nothing buffered ahead. (Node 20's
 * Readable.toWeb queues chunks counted as 1 each against a 16 KiB-"count" high-water mark, i.e. it reads the whole
 * file into memory when the consumer is slower than the disk.)
 */
export function fileStream(path: string, chunkBytes = 1 << 20): ReadableStream<Uint8Array> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        fh ??= await open(path, 'r');
        const buf = new Uint8Array(chunkBytes);
        const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
        if (bytesRead === 0) { await fh.close(); fh = undefined; controller.close(); return; }
        controller.enqueue(bytesRead === chunkBytes ? buf : buf.subarray(0, bytesRead));
      } catch (e) {
        if (fh) { await fh.close().catch(() => undefined); fh = undefined; }
        controller.error(e);
      }
    },
    async cancel() {
      if (fh) { await fh.close().catch(() => undefined); fh = undefined; }
    },
  }, { highWaterMark: 0 });
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
