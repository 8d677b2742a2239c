// The CLI's backend choice (`--backend auto|webgpu|cpu`): WebGPU through Dawn when there is a device (auto falls back
// to the CPU reference with a note on stderr; webgpu fails with one line). The wasm lane extends this with `wasm`.
import { CpuBackend, setBackend, WebGPUBackend } from '../engine';
import { CliError, cliGpu } from './result';

export async function chooseCliBackend(pref: string, command: string): Promise<'webgpu' | 'cpu'> {
  if (!['auto', 'webgpu', 'cpu'].includes(pref)) throw new CliError(`--backend: must be one of auto, webgpu, cpu (got "${pref}")`);
  if (pref !== 'cpu') {
    try {
      setBackend(new WebGPUBackend(await cliGpu()));
      return 'webgpu';
    } catch (e) {
      if (pref === 'webgpu') throw new CliError(`--backend webgpu: no WebGPU device (${(e as Error).message})`);
      process.stderr.write(`${command}: WebGPU unavailable (${(e as Error).message}); using the CPU reference backend\n`);
    }
  }
  setBackend(new CpuBackend());
  return 'cpu';
}
