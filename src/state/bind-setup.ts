// Keeps the URL's setup sections and the slices that use them in step, both ways, so the link always reproduces the
// setup and a link opened elsewhere sets it up:
//   url.tokenizer ⇄ tokenizer.settings        url.data ⇄ the data worker's protocol and chosen source
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

export function bindSetup(store: StoreApi): () => void {
  let linkApplied = false;
  const s0 = store.getState();
  if (!same(s0.url.tokenizer, s0.tokenizer.settings)) s0.setTokenizerSettings(s0.url.tokenizer);
  return store.subscribe((s, prev) => {
    // tokenizer settings
    if (s.url.tokenizer !== prev.url.tokenizer && !same(s.url.tokenizer, s.tokenizer.settings)) s.setTokenizerSettings(s.url.tokenizer);
    else if (s.tokenizer.settings !== prev.tokenizer.settings && !same(s.url.tokenizer, s.tokenizer.settings)) s.setUrl({ tokenizer: s.tokenizer.settings });
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
