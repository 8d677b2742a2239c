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
  const refresh = useStore((s) => s.refreshBackend);
  const runStatus = useStore((s) => s.tokenizer.status);
  useEffect(() => {
    if (runStatus === 'done' || runStatus === 'error') void refresh();
  }, [runStatus, refresh]);
  const threads =
    be?.kind === 'wasm'
      ? be.threads > 1
        ? `${be.threads} threads`
        : `1 thread${be.crossOriginIsolated ? '' : ' (page not cross-origin isolated: no SharedArrayBuffer)'}`
      : null;
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
      {be && (
        <span data-testid="backend-status" title={be.reason}>
          <strong>{be.kind}</strong>
          {threads && <span className="muted"> · {threads}</span>}
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
