// Keeps the URL's setup sections and the slices that use them in step, both ways, so the link always reproduces the
// setup and a link opened elsewhere sets it up:
//   url.tokenizer ⇄ tokenizer.settings   url.slate ⇄ slate.settings   url.evaluation ⇄ evaluation.settings
//   url.data ⇄ the data worker's protocol and chosen source
// On start the link wins: its protocol is applied to the data worker as soon as the bundled data is loaded.
import type { DataSnapshot } from '../data/session';
import type { Store } from './store';
import type { UrlData } from './url';

interface StoreApi {
  getState(): Store;
  subscribe(listener: (s: Store, prev: Store) => void): () => void;
}

export function urlDataOf(snap: DataSnapshot): UrlData {
  const p = snap.protocol;
  return { source: snap.chosenSource ?? '', effectiveViewThreshold: p.effectiveViewThreshold, slateSize: p.slateSize, validation: p.validation, minHistory: p.minHistory, minItemFreq: p.minItemFreq };
}

const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

/** Stage settings sections: the URL key, the slice's settings, its setter. */
const STAGE_SECTIONS = [
  { key: 'tokenizer', get: (s: Store) => s.tokenizer.settings, set: (s: Store, v: Store['url']['tokenizer']) => s.setTokenizerSettings(v) },
  { key: 'slate', get: (s: Store) => s.slate.settings, set: (s: Store, v: Store['url']['slate']) => s.setSlateSettings(v) },
  { key: 'evaluation', get: (s: Store) => s.evaluation.settings, set: (s: Store, v: Store['url']['evaluation']) => s.setEvaluationSettings(v) },
] as const;

export function bindSetup(store: StoreApi): () => void {
  let linkApplied = false;
  const s0 = store.getState();
  for (const x of STAGE_SECTIONS) if (!same(s0.url[x.key], x.get(s0))) x.set(s0, s0.url[x.key] as never);
  return store.subscribe((s, prev) => {
    // every stage's settings, both ways
    for (const x of STAGE_SECTIONS) {
      const u = s.url[x.key], v = x.get(s);
      if (u !== prev.url[x.key] && !same(u, v)) x.set(s, u as never);
      else if (v !== x.get(prev) && !same(u, v)) s.setUrl({ [x.key]: v });
    }
    // dataset choice + protocol
    const snap = s.data.snapshot;
    if (!snap) return;
    const fromData = urlDataOf(snap);
    if (!linkApplied || s.url.data !== prev.url.data) {
      linkApplied = true;
      if (!same(fromData, s.url.data)) {
        const { source, ...protocol } = s.url.data;
        void s.setProtocol({ ...protocol, source });
      }
    } else if (snap !== prev.data.snapshot && !same(fromData, s.url.data)) s.setUrl({ data: fromData });
  });
}
