// plotly's `has-hover` dependency reads the Node-style `global` at load time (its own bundles define it); set it before
// plotly-partial.ts evaluates plotly's modules.
const g = globalThis as { global?: unknown };
g.global ??= globalThis;
export {};
