// A file to load, independent of where it comes from (browser File, bytes, Node path via node-file.ts).

import { streamFromBytes } from './text-stream';

export interface InputFile {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
  /** The first n bytes (for the duplicate fingerprint). */
  head(n: number): Promise<Uint8Array>;
}

/** Browser File / Blob with a name (also works for Node's File). */
export function fromBlob(f: Blob & { name: string }): InputFile {
  return {
    name: f.name,
    size: f.size,
    stream: () => f.stream() as unknown as ReadableStream<Uint8Array>,
    head: async (n) => new Uint8Array(await f.slice(0, n).arrayBuffer()),
  };
}

export function fromBytes(name: string, data: Uint8Array | string): InputFile {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { name, size: bytes.byteLength, stream: () => streamFromBytes(bytes), head: async (n) => bytes.slice(0, n) };
}
