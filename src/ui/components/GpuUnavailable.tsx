import type { GpuErrorInfo } from '../../worker/client';

interface Props {
  error: GpuErrorInfo;
  onRetry(): void;
  onContinue(): void;
}

/** Full-page explanation when WebGPU cannot be had: what happened, what to do, and a retry. */
export function GpuUnavailable({ error, onRetry, onContinue }: Props) {
  return (
    <main className="fullpage" role="alert" data-testid="gpu-unavailable">
      <div className="fullpage-box">
        <h1>WebGPU is not available</h1>
        <p className="lead" data-testid="gpu-error-message">
          {error.message}
        </p>
        <h2>What to do</h2>
        <p data-testid="gpu-error-hint">{error.hint}</p>
        <p className="muted">
          HiGR Workbench trains and evaluates its models on the GPU through WebGPU, inside a Web Worker. Without an adapter the
          models train on the CPU through the wasm SIMD backend instead (slower than a real GPU, faster than an emulated one). The command-line runner
          (<code>npm run higr -- gpu</code>) uses Dawn in Node and may work where the browser does not.
        </p>
        <div className="buttons">
          <button type="button" onClick={onRetry}>
            Retry
          </button>
          <button type="button" className="secondary" onClick={onContinue}>
            Continue without GPU (train on the CPU: wasm SIMD backend)
          </button>
        </div>
        <details>
          <summary>technical details</summary>
          <table className="kv-table">
            <tbody>
              <tr>
                <th>error code</th>
                <td>
                  <code>{error.code}</code>
                </td>
              </tr>
              <tr>
                <th>user agent</th>
                <td>{typeof navigator !== 'undefined' ? navigator.userAgent : ''}</td>
              </tr>
              <tr>
                <th>page origin</th>
                <td>{typeof location !== 'undefined' ? location.origin : ''} (WebGPU needs https or localhost)</td>
              </tr>
            </tbody>
          </table>
        </details>
      </div>
    </main>
  );
}
