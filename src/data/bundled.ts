// The bundled default dataset (public/data): manifest + files, loaded through any fetch-like function
// (browser: fetch relative to the app; Node: nodeFetchLike(dir) from node-file.ts).

import { maybeGunzip } from './ingest';
import { fromBytes } from './input-file';
import { streamFromBytes } from './text-stream';
import type { Protocol, SequenceOrder } from './protocol';
import { DataError, type DataIssue, type FileKind, type Progress } from './types';
import { DataWorkspace, type BuildResult } from './workspace';

export interface BundledFile {
  path: string;
  name: string;
  kind: FileKind;
  order?: SequenceOrder;
  role: string;
  description: string;
}

export interface BundledManifest {
  name: string;
  license: string;
  attribution: string;
  defaultSource: string;
  files: BundledFile[];
}

export interface FetchResponseLike {
  ok: boolean;
  status?: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}
export type FetchLike = (path: string) => Promise<FetchResponseLike>;

export const BUNDLED_ATTRIBUTION_SHORT =
  'Bundled data: KuaiRec (Gao et al., CIKM 2022), CC BY-SA 4.0; time-ordered small-matrix sequences via the CADiff repository.';

export interface BundledOptions {
  protocol?: Partial<Protocol>;
  /** Skip these bundled files by name (e.g. the 1.7 MB positives when only the default source is needed). */
  skip?: string[];
  onFile?: (name: string, p: Progress) => void;
  signal?: AbortSignal;
  /** Load into this workspace (keeps files already there) instead of a fresh one. */
  workspace?: DataWorkspace;
}

export interface BundledResult {
  manifest: BundledManifest;
  workspace: DataWorkspace;
  build: BuildResult;
  issues: DataIssue[];
}

export async function loadBundledManifest(fetchLike: FetchLike): Promise<BundledManifest> {
  const res = await fetchLike('manifest.json');
  if (!res.ok) throw new DataError({ file: 'manifest.json', kind: 'io', message: `bundled data: manifest.json not found (HTTP ${res.status ?? '?'})` });
  return (await res.json()) as BundledManifest;
}

/** Loads every bundled file into a fresh workspace and builds the default dataset (small-matrix, chronological). */
export async function loadBundledDataset(fetchLike: FetchLike, opts: BundledOptions = {}): Promise<BundledResult> {
  const manifest = await loadBundledManifest(fetchLike);
  const ws = opts.workspace ?? new DataWorkspace();
  const issues: DataIssue[] = [];
  for (const f of manifest.files) {
    if (opts.skip?.includes(f.name)) continue;
    if (opts.signal?.aborted) throw new DataError({ file: f.name, kind: 'aborted', message: `${f.name}: loading cancelled` });
    const res = await fetchLike(f.path);
    if (!res.ok) {
      issues.push({ file: f.name, kind: 'io', severity: 'error', message: `${f.name}: bundled file missing (HTTP ${res.status ?? '?'})` });
      continue;
    }
    // Decompress here (not in the loader) so the fingerprint is the one of the plain file: the same file dropped by the
    // user later is then recognised as a duplicate.
    const bytes = await gunzipBytes(new Uint8Array(await res.arrayBuffer()));
    const r = await ws.add(fromBytes(f.name, bytes), {
      order: f.order,
      signal: opts.signal,
      onProgress: opts.onFile ? (p) => opts.onFile!(f.name, p) : undefined,
    });
    issues.push(...r.issues);
  }
  const build = ws.build({ source: manifest.defaultSource, ...opts.protocol });
  return { manifest, workspace: ws, build, issues: [...issues, ...build.issues] };
}

/** Browser fetch-like rooted at the app's `data/` folder. */
export function browserFetchLike(base = './data/'): FetchLike {
  return (path) => fetch(base + path);
}

async function gunzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return new Uint8Array(await new Response((await maybeGunzip(streamFromBytes(bytes))) as unknown as BodyInit).arrayBuffer());
}
