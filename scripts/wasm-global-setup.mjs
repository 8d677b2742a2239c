// vitest globalSetup: (re)build the wasm kernels once before the suite, so `npx vitest run <file>` works on a clean clone.
import { buildWasm } from './build-wasm.mjs';

export default function setup() {
  buildWasm();
}
