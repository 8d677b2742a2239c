// Declared CPU fallbacks, recorded: an op without a kernel for the backend it runs on runs its CPU reference there
// (the wasm backend does this on views of its own memory), and every such call is counted here so results JSON
// (`environment.fallbacks`) and the app can say which ops did not run on the chosen backend. Never silent.
import type { BackendKind } from './backend';

export interface FallbackRecord {
  /** Op name (OpDef.name). */
  op: string;
  /** The backend the op was asked to run on. */
  backend: BackendKind;
  /** What ran instead. */
  ranOn: 'cpu';
  /** Number of calls since the last reset. */
  calls: number;
  /** Milliseconds spent in those calls (where a run's time goes when a kernel is missing). */
  ms: number;
}

const counts = new Map<string, FallbackRecord>();

export function recordFallback(op: string, backend: BackendKind, ms = 0): void {
  const key = `${backend}:${op}`;
  const r = counts.get(key);
  if (r) {
    r.calls++;
    r.ms += ms;
  } else counts.set(key, { op, backend, ranOn: 'cpu', calls: 1, ms });
}

/** Every fallback since the last reset, most-called first. */
export function fallbacks(): FallbackRecord[] {
  return [...counts.values()].map((r) => ({ ...r, ms: Math.round(r.ms * 10) / 10 })).sort((a, b) => b.calls - a.calls || a.op.localeCompare(b.op));
}

export function resetFallbacks(): void {
  counts.clear();
}
