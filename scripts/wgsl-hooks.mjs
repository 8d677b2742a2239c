// `node --import tsx --import ./scripts/wgsl-hooks.mjs file.ts`: lets plain Node (the CLI, benchmarks) import WGSL
// kernels the way vite does: `import src from '../../kernels/x.wgsl?raw'`. Hooks registered later run first, so this
// resolves `?raw` before tsx sees it; everything else falls through to tsx.
import { register } from 'node:module';

register('./wgsl-loader.mjs', import.meta.url);
