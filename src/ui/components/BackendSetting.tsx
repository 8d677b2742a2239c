// The compute backend setting (auto | webgpu | wasm | cpu) and what the pipeline worker selected for it: the kind,
// why (`auto` rule: src/engine/select.ts), the wasm thread count, and any ops that ran their CPU reference instead.
import { useEffect } from 'react';
import { useStore } from '../../state/store';
import type { BackendChoice } from '../../engine/select';

const CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'wasm SIMD' },
  { value: 'cpu', label: 'CPU reference' },
];

export function BackendSetting() {
  const choice = useStore((s) => s.gpu.backendChoice);
  const be = useStore((s) => s.gpu.backend);
  const err = useStore((s) => s.gpu.backendError);
  const setChoice = useStore((s) => s.setBackendChoice);
  const threadsChoice = useStore((s) => s.gpu.threadsChoice);
  const setThreads = useStore((s) => s.setThreadsChoice);
  const refresh = useStore((s) => s.refreshBackend);
  const runStatus = useStore((s) => s.tokenizer.status);
  useEffect(() => {
    if (runStatus === 'done' || runStatus === 'error') void refresh();
  }, [runStatus, refresh]);
  const threads =
    be?.kind === 'wasm'
      ? be.threads > 1
        ? `${be.threads} threads`
        : `1 thread${be.crossOriginIsolated ? (be.threadsNote.startsWith('1 thread:') ? ` (${be.threadsNote.slice(10)})` : '') : ' (page not cross-origin isolated: no SharedArrayBuffer)'}`
      : null;
  const hw = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  const threadOptions = [...new Set([1, 2, 4, 8, hw].filter((n) => n <= Math.max(8, hw)))].sort((a, b) => a - b);
  const fb = be?.fallbacks.filter((f) => f.backend === be.kind) ?? [];
  return (
    <div className="backend" data-testid="backend" data-kind={be?.kind ?? ''}>
      <label title="Where models train: auto = WebGPU on a hardware adapter, wasm SIMD on a software adapter (SwiftShader) or without WebGPU">
        <span className="k">backend</span>{' '}
        <select data-testid="backend-choice" value={choice} onChange={(e) => void setChoice(e.currentTarget.value as BackendChoice)}>
          {CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>{' '}
      {(be?.kind === 'wasm' || choice === 'wasm') && (
        <label title="Threads of the wasm backend (Web Workers on a shared memory; needs a cross-origin isolated page). auto = hardwareConcurrency, capped at 8">
          <span className="k">threads</span>{' '}
          <select data-testid="threads-choice" value={threadsChoice} onChange={(e) => void setThreads(Number(e.currentTarget.value))}>
            <option value={0}>auto</option>
            {threadOptions.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>{' '}
        </label>
      )}
      {be && (
        <span data-testid="backend-status" title={be.reason}>
          <strong>{be.kind}</strong>
          {threads && (
            <span className="muted" data-testid="backend-threads" data-threads={be.threads} title={be.threadsNote}>
              {' '}
              · {threads}
            </span>
          )}
          <span className="muted"> · {be.reason}</span>
          {fb.length > 0 && (
            <span className="muted" data-testid="backend-fallbacks" title={fb.map((f) => `${f.op} ×${f.calls}`).join(', ')}>
              {' '}
              · CPU fallback for {fb.map((f) => f.op).join(', ')}
            </span>
          )}
        </span>
      )}
      {err && (
        <span className="bad" data-testid="backend-error">
          {err}
        </span>
      )}
    </div>
  );
}
