// One typed, versioned, validated state object lives in the URL hash (TF Playground style):
//   #v=2&panel=tokenizer&seed=7&backend=auto&p.source=&p.slateSize=5&…&tk.kinds=crq-vae&tk.steps=150&…
// `decode` never throws: unknown keys are ignored, bad values fall back to the default and are reported in `problems`
// (the banner names the field and the allowed range); links of older versions are migrated (`migrate`).
// `encode` writes every field in a fixed order so a copied URL reproduces the whole setup: panel, seed, backend,
// dataset choice + protocol, and every stage's settings (field specs = the stage schemas in src/stages/).
//
// To add a stage's settings: add a section to SECTIONS (prefix, schema fields, UrlState key) and to UrlState.

import { DEFAULT_PROTOCOL } from '../data/protocol';
import { allowed, checkField, defaults, formatField, parseField, validateConfig, type ConfigSchema, type FieldSpec } from '../stages/schema';
import { TOKENIZER_KIND_VALUES, TOKENIZER_SCHEMA } from '../stages/tokenizer-config';
import { SLATE_SCHEMA, type SlateStageConfig } from '../stages/slate-decoder-config';
import { EVALUATION_FORM_SCHEMA, type EvaluationSettings } from '../stages/table1-config';
import { TOKENIZER_SETTINGS_DEFAULTS, type TokenizerSettings } from './tokenizer-slice';

/** Panel ids, in navigation order. The UI registry (src/ui/panels/index.ts) provides one panel per id. */
export const PANEL_IDS = [
  'overview',
  'data',
  'tokenizer',
  'prefix',
  'slate',
  'decoding',
  'alignment',
  'evaluation',
  'export',
  'runs',
] as const;
export type PanelId = (typeof PANEL_IDS)[number];

/** Backend preference (the wasm lane adds the wasm backend; `auto` picks the best available). */
export const BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendPref = (typeof BACKENDS)[number];

/** The dataset choice carried by a link: the source file ('' = automatic) and the protocol settings. */
export interface UrlData {
  source: string;
  effectiveViewThreshold: number;
  slateSize: number;
  validation: boolean;
  minHistory: number;
  minItemFreq: number;
}

export interface UrlState {
  panel: PanelId;
  /** Global seed for every stochastic step (splits, init, sampling). Unsigned 32-bit integer. */
  seed: number;
  backend: BackendPref;
  data: UrlData;
  /** every stage's settings, one section per stage (`tk.`, `sd.`, `ev.` keys): schemas in src/stages/ */
  tokenizer: TokenizerSettings;
  /** slate decoder stage (src/stages/slate-decoder-config.ts) */
  slate: SlateStageConfig;
  /** Evaluation panel: models, seeds and the table1-model stage's settings (src/stages/table1-config.ts) */
  evaluation: EvaluationSettings;
}

/** Version of the link format; older links are migrated by `migrate`. */
export const URL_VERSION = 2;

export const URL_DEFAULTS: Readonly<UrlState> = Object.freeze({
  panel: 'overview',
  seed: 0,
  backend: 'auto',
  data: {
    source: '',
    effectiveViewThreshold: DEFAULT_PROTOCOL.effectiveViewThreshold,
    slateSize: DEFAULT_PROTOCOL.slateSize,
    validation: DEFAULT_PROTOCOL.validation,
    minHistory: DEFAULT_PROTOCOL.minHistory,
    minItemFreq: DEFAULT_PROTOCOL.minItemFreq,
  },
  tokenizer: TOKENIZER_SETTINGS_DEFAULTS,
  slate: defaults(SLATE_SCHEMA),
  evaluation: defaults(EVALUATION_FORM_SCHEMA),
}) as UrlState;

const MAX_SEED = 0xffffffff;

/** Top-level fields and the protocol section use the same field specs as the stage schemas. */
const TOP: Record<'panel' | 'seed' | 'backend', FieldSpec> = {
  panel: { type: 'enum', default: 'overview', values: PANEL_IDS, label: 'panel' },
  seed: { type: 'int', default: 0, min: 0, max: MAX_SEED, label: 'seed' },
  backend: { type: 'enum', default: 'auto', values: BACKENDS, label: 'backend' },
};
const DATA: Record<keyof UrlData, FieldSpec> = {
  source: { type: 'enum', default: '', values: [], label: 'source file' }, // any file name; checked when the data is loaded
  effectiveViewThreshold: { type: 'number', default: DEFAULT_PROTOCOL.effectiveViewThreshold, min: 0, max: 1000, label: 'effective view: watch_ratio ≥' },
  slateSize: { type: 'int', default: DEFAULT_PROTOCOL.slateSize, min: 1, max: 1000, label: 'slate size M' },
  validation: { type: 'bool', default: DEFAULT_PROTOCOL.validation, label: 'validation slate' },
  minHistory: { type: 'int', default: DEFAULT_PROTOCOL.minHistory, min: 1, max: 100_000, label: 'min history' },
  minItemFreq: { type: 'int', default: DEFAULT_PROTOCOL.minItemFreq, min: 1, max: 100_000, label: 'min item frequency' },
};
const { kind: _kind, ...TK_FIELDS } = TOKENIZER_SCHEMA.fields;
const TK: Record<string, FieldSpec> = {
  kinds: { type: 'list', of: 'enum', default: TOKENIZER_SETTINGS_DEFAULTS.kinds, values: TOKENIZER_KIND_VALUES, minLength: 1, maxLength: 3, label: 'tokenizers' },
  ...(TK_FIELDS as Record<string, FieldSpec>),
};

/** One section of the link: its key prefix, fields, where it lives in UrlState, and the schema of its cross-field checks. */
const SECTIONS: { prefix: string; fields: Record<string, FieldSpec>; key: 'data' | 'tokenizer' | 'slate' | 'evaluation'; schema?: ConfigSchema }[] = [
  { prefix: 'p.', fields: DATA, key: 'data' },
  { prefix: 'tk.', fields: TK, key: 'tokenizer' },
  { prefix: 'sd.', fields: SLATE_SCHEMA.fields, key: 'slate', schema: SLATE_SCHEMA as unknown as ConfigSchema },
  { prefix: 'ev.', fields: EVALUATION_FORM_SCHEMA.fields, key: 'evaluation', schema: EVALUATION_FORM_SCHEMA as unknown as ConfigSchema },
];

function parseValue(f: FieldSpec, raw: string, name: string): { ok: true; v: unknown } | { ok: false; why: string } {
  if (name === 'p.source') return { ok: true, v: raw };
  const v = parseField(f, raw);
  const why = v === undefined ? `must be ${allowed(f)}` : checkField(f, v);
  return why ? { ok: false, why: why.replace(/ \(got .*\)$/, '') } : { ok: true, v };
}

/** Rewrite an older link's parameters to the current version (in place). Returns notes for the banner. */
export function migrate(params: URLSearchParams): string[] {
  const v = Number(params.get('v') ?? '1');
  const notes: string[] = [];
  if (!Number.isInteger(v) || v < 1) notes.push(`invalid link version v="${params.get('v')}", read as the current version`);
  else if (v > URL_VERSION) notes.push(`this link is from a newer version (v${v}; this app reads v${URL_VERSION}): some settings may be ignored`);
  else if (v < 2) {
    // v1 links carried panel and seed only; v1 tokenizer settings (browser storage) named the bundled items "kuairec"
    if (params.get('tk.source') === 'kuairec') params.set('tk.source', 'dataset');
  }
  params.delete('v');
  return notes;
}

export interface Decoded {
  state: UrlState;
  /** Human-readable notes about ignored/invalid parts of the URL (empty when the URL was clean). */
  problems: string[];
}

const clone = (s: UrlState): UrlState => structuredClone(s) as UrlState;

/** Parse `#a=1&b=2` (or `?a=1&b=2`, or the bare `a=1&b=2`). Never throws. */
export function decode(hash: string): Decoded {
  const params = new URLSearchParams(hash.replace(/^[#?]/, ''));
  const problems = migrate(params);
  const state = clone(URL_DEFAULTS as UrlState) as unknown as Record<string, unknown> & UrlState;
  const crossChecked: string[] = [];
  for (const [k, raw] of params) {
    const top = TOP[k as keyof typeof TOP];
    const sec = SECTIONS.find((x) => k.startsWith(x.prefix) && k.slice(x.prefix.length) in x.fields);
    const f = top ?? (sec ? sec.fields[k.slice(sec.prefix.length)] : undefined);
    if (!f) {
      problems.push(`unknown URL key "${k}" ignored`);
      continue;
    }
    const r = parseValue(f, raw, k);
    const dflt = top ? (URL_DEFAULTS as unknown as Record<string, unknown>)[k] : (URL_DEFAULTS[sec!.key] as unknown as Record<string, unknown>)[k.slice(sec!.prefix.length)];
    if (!r.ok) {
      problems.push(`invalid ${k}="${raw}" (${r.why}), using ${formatField(f, dflt)}`);
      continue;
    }
    if (top) state[k] = r.v;
    else {
      (state[sec!.key] as unknown as Record<string, unknown>)[k.slice(sec!.prefix.length)] = r.v;
      crossChecked.push(k);
    }
  }
  // cross-field checks of the stage settings (e.g. one weight per level)
  const tk = state.tokenizer;
  for (const e of validateConfig(TOKENIZER_SCHEMA, { ...(({ kinds: _k, ...rest }) => rest)(tk), kind: tk.kinds[0] }).errors) {
    problems.push(`invalid tk.${e.field}: ${e.message}; using the defaults for tk.${e.field}${e.field === 'w' ? ' and tk.levels' : ''}`);
    (tk as unknown as Record<string, unknown>)[e.field] = (URL_DEFAULTS.tokenizer as unknown as Record<string, unknown>)[e.field];
    if (e.field === 'w') tk.levels = URL_DEFAULTS.tokenizer.levels;
  }
  for (const sec of SECTIONS.filter((x) => x.schema)) {
    const obj = state[sec.key] as unknown as Record<string, unknown>;
    for (const e of validateConfig(sec.schema!, obj).errors) {
      problems.push(`invalid ${sec.prefix}${e.field}: ${e.message}; using the default for ${sec.prefix}${e.field}`);
      if (e.field in obj) obj[e.field] = (URL_DEFAULTS[sec.key] as unknown as Record<string, unknown>)[e.field];
    }
  }
  return { state, problems };
}

/** Serialise every field (fixed order) to `#v=2&panel=..&seed=..&…&p.…&tk.…`. */
export function encode(state: UrlState): string {
  const params = new URLSearchParams();
  params.set('v', String(URL_VERSION));
  for (const k of Object.keys(TOP) as (keyof typeof TOP)[]) params.set(k, formatField(TOP[k], state[k]));
  for (const sec of SECTIONS) {
    const obj = state[sec.key] as unknown as Record<string, unknown>;
    for (const [name, f] of Object.entries(sec.fields)) params.set(sec.prefix + name, formatField(f, obj[name]));
  }
  return '#' + params.toString();
}

/** Validate a partial update (e.g. from a seed input); returns only the top-level fields that are valid, and sections as given. */
export function sanitize(patch: Partial<Record<keyof UrlState, unknown>>): Partial<UrlState> {
  const out: Partial<UrlState> = {};
  for (const k of Object.keys(TOP) as (keyof typeof TOP)[]) {
    if (!(k in patch)) continue;
    const r = parseValue(TOP[k], String(patch[k]), k);
    if (r.ok) (out as Record<string, unknown>)[k] = r.v;
  }
  for (const sec of SECTIONS) if (patch[sec.key] && typeof patch[sec.key] === 'object') (out as Record<string, unknown>)[sec.key] = { ...(patch[sec.key] as object) };
  return out;
}

export function sameUrlState(a: UrlState, b: UrlState): boolean {
  return encode(a) === encode(b);
}

/** Minimal store surface `bindUrl` needs (so this module does not import the store). */
export interface UrlStore {
  getState(): { url: UrlState; setUrl(patch: Partial<UrlState>, problems?: string[]): void };
  subscribe(listener: (s: { url: UrlState }, prev: { url: UrlState }) => void): () => void;
}

/**
 * Two-way sync between `location.hash` and the store's `url` field.
 * Store -> URL with history.replaceState (pushState when the panel changes, so Back works); URL -> store on hashchange.
 */
export function bindUrl(store: UrlStore, win: Window = window): () => void {
  // Both 'popstate' and 'hashchange' fire for one navigation; handle each distinct hash once.
  let lastHash: string | null = null;
  const fromLocation = () => {
    if (win.location.hash === lastHash) return;
    lastHash = win.location.hash;
    const { state, problems } = decode(win.location.hash);
    store.getState().setUrl(state, problems);
  };
  fromLocation();
  const write = (next: UrlState, prev?: UrlState) => {
    const h = encode(next);
    lastHash = h;
    if (win.location.hash === h) return;
    const url = win.location.pathname + win.location.search + h;
    if (prev && prev.panel !== next.panel) win.history.pushState(null, '', url);
    else win.history.replaceState(null, '', url);
  };
  write(store.getState().url);
  const unsub = store.subscribe((s, p) => {
    if (!sameUrlState(s.url, p.url)) write(s.url, p.url);
  });
  const onHash = () => fromLocation();
  win.addEventListener('hashchange', onHash);
  win.addEventListener('popstate', onHash);
  return () => {
    unsub();
    win.removeEventListener('hashchange', onHash);
    win.removeEventListener('popstate', onHash);
  };
}
