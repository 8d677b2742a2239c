// One typed, validated state object lives in the URL hash (TF Playground style):
//   #panel=tokenizer&seed=7
// `decode` never throws: unknown keys are ignored, bad values fall back to the default and are reported in `problems`.
// `encode` writes every field in a fixed order so a copied URL reproduces the whole setup, seed included.
//
// To add a field: add it to `UrlState`, `URL_DEFAULTS` and `FIELDS` (parse + format). Nothing else changes.

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
] as const;
export type PanelId = (typeof PANEL_IDS)[number];

export interface UrlState {
  panel: PanelId;
  /** Global seed for every stochastic step (splits, init, sampling). Unsigned 32-bit integer. */
  seed: number;
}

export const URL_DEFAULTS: Readonly<UrlState> = Object.freeze({ panel: 'overview', seed: 0 });

interface Field<T> {
  parse(raw: string): T | undefined;
  format(v: T): string;
}

const MAX_SEED = 0xffffffff;

const FIELDS: { [K in keyof UrlState]: Field<UrlState[K]> } = {
  panel: {
    parse: (raw) => ((PANEL_IDS as readonly string[]).includes(raw) ? (raw as PanelId) : undefined),
    format: (v) => v,
  },
  seed: {
    parse: (raw) => (/^\d{1,10}$/.test(raw) && Number(raw) <= MAX_SEED ? Number(raw) : undefined),
    format: (v) => String(v),
  },
};

const KEYS = Object.keys(FIELDS) as (keyof UrlState)[];

export interface Decoded {
  state: UrlState;
  /** Human-readable notes about ignored/invalid parts of the URL (empty when the URL was clean). */
  problems: string[];
}

/** Parse `#a=1&b=2` (or `?a=1&b=2`, or the bare `a=1&b=2`). */
export function decode(hash: string): Decoded {
  const s = hash.replace(/^[#?]/, '');
  const params = new URLSearchParams(s);
  const state: Record<string, unknown> = { ...URL_DEFAULTS };
  const problems: string[] = [];
  for (const [k, raw] of params) {
    if (!(KEYS as string[]).includes(k)) {
      problems.push(`unknown URL key "${k}" ignored`);
      continue;
    }
    const v = FIELDS[k as keyof UrlState].parse(raw);
    if (v === undefined) problems.push(`invalid ${k}="${raw}", using ${FIELDS[k as keyof UrlState].format(URL_DEFAULTS[k as keyof UrlState] as never)}`);
    else state[k] = v;
  }
  return { state: state as unknown as UrlState, problems };
}

/** Serialise every field (fixed order) to `#panel=..&seed=..`. */
export function encode(state: UrlState): string {
  const params = new URLSearchParams();
  for (const k of KEYS) params.set(k, FIELDS[k].format(state[k] as never));
  return '#' + params.toString();
}

/** Validate a partial update (e.g. from a seed input); returns only the fields that are valid. */
export function sanitize(patch: Partial<Record<keyof UrlState, unknown>>): Partial<UrlState> {
  const out: Partial<UrlState> = {};
  for (const k of KEYS) {
    if (!(k in patch)) continue;
    const v = FIELDS[k].parse(String(patch[k]));
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export function sameUrlState(a: UrlState, b: UrlState): boolean {
  return KEYS.every((k) => a[k] === b[k]);
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
