// Node module hooks for the benchmark's Node/Dawn half: `import src from './x.wgsl?raw'` yields the file's text,
// as vite does in the browser. Registered by bench/kernels.ts (module.register) before the engine is imported;
// harmless next to scripts/wgsl-hooks.mjs if the CLI's runner already registers an equivalent hook.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('?raw')) {
    const url = new URL(specifier, context.parentURL);
    return { url: url.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -4)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
