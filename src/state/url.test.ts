import { describe, expect, it } from 'vitest';
import { PANEL_IDS, URL_DEFAULTS, bindUrl, decode, encode, sanitize, type UrlState } from './url';

describe('url state', () => {
  it('round-trips every panel and a range of seeds', () => {
    for (const panel of PANEL_IDS) {
      for (const seed of [0, 1, 42, 0xffffffff]) {
        const s: UrlState = { panel, seed };
        const d = decode(encode(s));
        expect(d.state).toEqual(s);
        expect(d.problems).toEqual([]);
      }
    }
  });

  it('encodes every field in a fixed order', () => {
    expect(encode({ panel: 'data', seed: 3 })).toBe('#panel=data&seed=3');
  });

  it('defaults missing fields and accepts #, ? or bare strings', () => {
    expect(decode('').state).toEqual(URL_DEFAULTS);
    expect(decode('#seed=5').state).toEqual({ panel: 'overview', seed: 5 });
    expect(decode('?panel=export').state).toEqual({ panel: 'export', seed: 0 });
    expect(decode('panel=slate&seed=9').state).toEqual({ panel: 'slate', seed: 9 });
  });

  it('rejects invalid values with a readable note and keeps the default', () => {
    for (const bad of ['-1', '1.5', 'abc', '', '4294967296', '1e3', '99999999999']) {
      const d = decode(`#seed=${encodeURIComponent(bad)}`);
      expect(d.state.seed).toBe(0);
      expect(d.problems).toEqual([`invalid seed="${bad}", using 0`]);
    }
    const d = decode('#panel=nope&zzz=1');
    expect(d.state.panel).toBe('overview');
    expect(d.problems).toEqual(['invalid panel="nope", using overview', 'unknown URL key "zzz" ignored']);
  });

  it('sanitize keeps only valid fields', () => {
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
    let state = { url: { ...URL_DEFAULTS } as UrlState, problems: [] as string[] };
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
    expect(state.url).toEqual({ panel: 'data', seed: 4 });
    store.getState().setUrl({ seed: 8 });
    expect(loc.hash).toBe('#panel=data&seed=8');
    store.getState().setUrl({ panel: 'export' });
    expect(pushed.at(-1)).toBe('push /#panel=export&seed=8'); // panel changes are history entries
    loc.hash = '#panel=tokenizer&seed=1';
    listeners.get('popstate')!();
    listeners.get('hashchange')!();
    expect(state.url).toEqual({ panel: 'tokenizer', seed: 1 });
    loc.hash = '#seed=x';
    listeners.get('hashchange')!();
    expect(state.problems).toEqual(['invalid seed="x", using 0']);
    expect(loc.hash).toBe('#panel=overview&seed=0');
    listeners.get('popstate')!(); // the second event of the same navigation must not clear the note
    expect(state.problems).toEqual(['invalid seed="x", using 0']);
    unbind();
    expect(listeners.size).toBe(0);
  });
});
