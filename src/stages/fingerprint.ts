// Dataset identity of a run: the loaded files (name|size|head hash), the protocol and the chosen source.
import { fnv1a } from '../data/fingerprint';

export function datasetFingerprint(fileIds: string[], protocol: unknown, source: string | undefined): string {
  const s = JSON.stringify([[...fileIds].sort(), protocol, source ?? null]);
  return fnv1a(new TextEncoder().encode(s));
}
