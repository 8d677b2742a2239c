// Node module customization hooks: `import src from './x.wgsl?raw'` (any file, any specifier ending in `?raw`) yields
// a module whose default export is the file's text — what vite/vitest do. Registered by scripts/wgsl-hooks.mjs.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('?raw') && context.parentURL) {
    const url = new URL(specifier, context.parentURL);
    if (url.protocol === 'file:') return { url: url.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('?raw')) {
    const file = new URL(url);
    file.search = '';
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${file.pathname} (imported as ?raw): ${e.code ?? e.message}`);
    }
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
