import { describe, expect, it } from 'vitest';
import { PANEL_IDS, URL_DEFAULTS, bindUrl, decode, encode, sanitize, type UrlState } from './url';

const D = URL_DEFAULTS;
const withPS = (panel: UrlState['panel'], seed: number): UrlState => ({ ...structuredClone(D), panel, seed });
/** `#v=2&panel=…&seed=…` followed by every other field at its default */
const tail = encode(D).replace(/^#v=2&panel=overview&seed=0/, '');

describe('url state', () => {
  it('round-trips every panel, a range of seeds and non-default settings', () => {
    for (const panel of PANEL_IDS) {
      for (const seed of [0, 1, 42, 0xffffffff]) {
        const s = withPS(panel, seed);
        const d = decode(encode(s));
        expect(d.state).toEqual(s);
        expect(d.problems).toEqual([]);
      }
    }
    const s: UrlState = { ...withPS('tokenizer', 3), backend: 'cpu', data: { ...D.data, source: 'my file.csv', slateSize: 3, validation: true }, tokenizer: { ...D.tokenizer, kinds: ['rq-vae'], steps: 40, levels: 2, w: [1, 0.5], features: ['caption'], lr: 0.01 } };
    expect(decode(encode(s))).toEqual({ state: s, problems: [] });
  });

  it('encodes every field in a fixed order, versioned', () => {
    expect(encode(withPS('data', 3))).toBe('#v=2&panel=data&seed=3' + tail);
    expect(tail).toMatch(/^&backend=auto&p\.source=&p\.effectiveViewThreshold=2&p\.slateSize=5&p\.validation=false&p\.minHistory=1&p\.minItemFreq=1&tk\.kinds=crq-vae%2Crq-vae%2Crq-kmeans&tk\.source=dataset&/);
  });

  it('migrates old links: v1 (panel + seed only) and its "kuairec" item source', () => {
    expect(decode('').state).toEqual(D);
    expect(decode('#seed=5')).toEqual({ state: withPS('overview', 5), problems: [] });
    expect(decode('?panel=export').state).toEqual(withPS('export', 0));
    expect(decode('panel=slate&seed=9').state).toEqual(withPS('slate', 9));
    expect(decode('#panel=tokenizer&seed=1&tk.source=kuairec').state.tokenizer.source).toBe('dataset');
    expect(decode('#v=9&panel=data').problems).toEqual(['this link is from a newer version (v9; this app reads v2): some settings may be ignored']);
  });

  it('rejects invalid values with a note naming the field and the allowed range, and keeps the default', () => {
    for (const bad of ['-1', '1.5', 'abc', '', '4294967296', '1e3x', '99999999999']) {
      const d = decode(`#seed=${encodeURIComponent(bad)}`);
      expect(d.state.seed).toBe(0);
      expect(d.problems).toEqual([`invalid seed="${bad}" (must be an integer in [0, 4294967295]), using 0`]);
    }
    const d = decode('#panel=nope&zzz=1');
    expect(d.state.panel).toBe('overview');
    expect(d.problems).toEqual([`invalid panel="nope" (must be one of ${PANEL_IDS.join(', ')}), using overview`, 'unknown URL key "zzz" ignored']);
    const t = decode('#tk.steps=0&tk.lr=-1&p.slateSize=0&tk.kinds=vq');
    expect(t.problems).toEqual([
      'invalid tk.steps="0" (must be an integer in [1, 1000000]), using 150',
      'invalid tk.lr="-1" (must be a number in (0, 1]), using 0.002',
      'invalid p.slateSize="0" (must be an integer in [1, 1000]), using 5',
      'invalid tk.kinds="vq" (must be 1–3 of crq-vae, rq-vae, rq-kmeans), using crq-vae,rq-vae,rq-kmeans',
    ]);
    expect(t.state).toEqual(D);
    // cross-field: one weight per level
    const w = decode('#tk.levels=2');
    expect(w.problems).toEqual(['invalid tk.w: needs one weight per level: 2 values for D = 2 (got 3); using the defaults for tk.w and tk.levels']);
    expect(w.state.tokenizer.levels).toBe(3);
  });

  it('carries the slate decoder (sd.) and evaluation (ev.) settings; invalid values name the field and keep the default', () => {
    const s: UrlState = { ...structuredClone(D), slate: { ...D.slate, dim: 32, epochs: 7, pooling: 'max', preference: false, tokenizerRun: 'tokenizer-ab12-s0-fp-wasm#2' }, evaluation: { ...D.evaluation, models: ['cooc', 'hstu'], seeds: 3, users: 60 } };
    const h = encode(s);
    expect(h).toContain('sd.dim=32');
    expect(h).toContain('sd.tokenizerRun=tokenizer-ab12-s0-fp-wasm%232');
    expect(h).toContain('ev.models=cooc%2Chstu');
    expect(decode(h)).toEqual({ state: s, problems: [] });
    const bad = decode('#v=2&sd.dim=0&sd.lr=-1&ev.seeds=0&sd.heads=3');
    expect(bad.problems).toEqual([
      'invalid sd.dim="0" (must be an integer in [1, 8192]), using 32',
      'invalid sd.lr="-1" (must be a number in (0, 1]), using 0.004',
      'invalid ev.seeds="0" (must be an integer in [1, 10]), using 1',
      'invalid sd.heads: must divide the model width d = 32 (got 3); using the default for sd.heads',
    ]);
    expect(bad.state.slate).toEqual(D.slate);
    expect(bad.state.evaluation).toEqual(D.evaluation);
  });

  it('carries the SID models and their SID source in ev. keys (the same fields as the table1-model stage and higr run)', () => {
    const s: UrlState = { ...structuredClone(D), evaluation: { ...D.evaluation, models: ['pop', 'higr', 'tiger', 'onerec', 'listcvae'], tokenizerRun: 'tokenizer-cd34-s1-fp-wasm', sidKind: 'crq-vae', sidSteps: 50, codebookSize: 32, levels: 2, sidSeed: 7 } };
    const h = encode(s);
    for (const kv of ['ev.models=pop%2Chigr%2Ctiger%2Conerec%2Clistcvae', 'ev.tokenizerRun=tokenizer-cd34-s1-fp-wasm', 'ev.sidKind=crq-vae', 'ev.sidSteps=50', 'ev.codebookSize=32', 'ev.levels=2', 'ev.sidSeed=7']) expect(h).toContain(kv);
    expect(decode(h)).toEqual({ state: s, problems: [] });
    // a SID model with a neural on-the-fly tokenizer and no steps: the cross-field check names the field
    const bad = decode('#v=2&ev.models=tiger&ev.tokenizerRun=&ev.sidKind=rq-vae&ev.sidSteps=0');
    expect(bad.problems.join('\n')).toMatch(/ev\.sidSteps: rq-vae needs training steps/);
    // the same values are accepted when no SID model is chosen
    expect(decode('#v=2&ev.models=pop&ev.sidKind=rq-vae&ev.sidSteps=0').problems).toEqual([]);
  });

  it('sanitize keeps only valid top-level fields', () => {
    expect(sanitize({ seed: 12, panel: 'bogus' })).toEqual({ seed: 12 });
    expect(sanitize({ seed: NaN })).toEqual({});
    expect(sanitize({ panel: 'tokenizer' })).toEqual({ panel: 'tokenizer' });
  });

  it('bindUrl syncs store <-> location.hash', () => {
    // A minimal window + store, enough for bindUrl.
    const listeners = new Map<string, () => void>();
    const loc = { pathname: '/', search: '', hash: '#panel=data&seed=4' };
    const pushed: string[] = [];
    const win = {
      location: loc,
      history: {
        pushState: (_: unknown, __: string, u: string) => {
          pushed.push('push ' + u);
          loc.hash = u.slice(u.indexOf('#'));
        },
        replaceState: (_: unknown, __: string, u: string) => {
          pushed.push('replace ' + u);
          loc.hash = u.slice(u.indexOf('#'));
        },
      },
      addEventListener: (t: string, f: () => void) => listeners.set(t, f),
      removeEventListener: (t: string) => listeners.delete(t),
    } as unknown as Window;
    let state = { url: structuredClone(URL_DEFAULTS) as UrlState, problems: [] as string[] };
    const subs: ((s: { url: UrlState }, p: { url: UrlState }) => void)[] = [];
    const store = {
      getState: () => ({
        url: state.url,
        setUrl(patch: Partial<UrlState>, problems?: string[]) {
          const prev = state;
          state = { url: { ...state.url, ...sanitize(patch) }, problems: problems ?? state.problems };
          subs.forEach((f) => f(state, prev));
        },
      }),
      subscribe: (f: (s: { url: UrlState }, p: { url: UrlState }) => void) => {
        subs.push(f);
        return () => subs.splice(subs.indexOf(f), 1);
      },
    };
    const unbind = bindUrl(store, win);
    expect(state.url).toEqual(withPS('data', 4));
    store.getState().setUrl({ seed: 8 });
    expect(loc.hash).toBe('#v=2&panel=data&seed=8' + tail);
    store.getState().setUrl({ panel: 'export' });
    expect(pushed.at(-1)).toBe('push /#v=2&panel=export&seed=8' + tail); // panel changes are history entries
    loc.hash = '#panel=tokenizer&seed=1';
    listeners.get('popstate')!();
    listeners.get('hashchange')!();
    expect(state.url).toEqual(withPS('tokenizer', 1));
    loc.hash = '#seed=x';
    listeners.get('hashchange')!();
    const note = 'invalid seed="x" (must be an integer in [0, 4294967295]), using 0';
    expect(state.problems).toEqual([note]);
    expect(loc.hash).toBe('#v=2&panel=overview&seed=0' + tail);
    listeners.get('popstate')!(); // the second event of the same navigation must not clear the note
    expect(state.problems).toEqual([note]);
    unbind();
    expect(listeners.size).toBe(0);
  });
});
