// Tokenizer inputs for the whole KuaiRec catalogue: every video in the side tables (10,728 in KuaiRec), with the data
// layer's item features (category multi-hot + caption n-gram TF-IDF + co-occurrence PPMI-SVD), the first-level
// category of each item (the label of the concentration metric), and co-occurrence sequences for pairs.
//
// Co-occurrence comes from `big_matrix_positives.txt` when it is loaded: big-matrix interactions do not include the
// fully observed small matrix, whose time-ordered sequences are the default evaluation source, so the features do not
// see the evaluation slates. Otherwise (a dropped dataset) only the training part of the current leave-M-out split is used.
import { buildItemFeatures, DEFAULT_FEATURE_SPEC, type ItemFeatures, type ItemFeatureSpec } from '../data/item-features';
import { leaveSlateOut, trainingSequences } from '../data/split';
import type { SequenceTable } from '../data/tables';
import type { DataWorkspace } from '../data/workspace';
import type { Dataset } from '../data/dataset';

export interface Catalogue {
  features: ItemFeatures;
  /** first-level category id per row (−1 unknown) */
  labels: Int32Array;
  /** CSR over users, entries = feature rows (−1 = not in the catalogue): co-occurrence pairs */
  sequences: { offsets: Int32Array; items: Int32Array } | null;
  /** where the co-occurrence signal came from */
  cooccurrenceSource: string;
}

export const CO_OCCURRENCE_FILE = 'big_matrix_positives.txt';

/**
 * `opts.dataset` = the dataset of a dropped source: its items are the catalogue (side tables only add features) and
 * its own training split gives the co-occurrence.
 */
export function catalogueFromWorkspace(ws: DataWorkspace, spec: ItemFeatureSpec = DEFAULT_FEATURE_SPEC, opts: { maxItems?: number; dataset?: Dataset } = {}): Catalogue {
  const side = ws.sideTables();
  const base = opts.dataset?.itemIds ?? side.categories?.videoIds ?? side.captions?.videoIds;
  if (!base) throw new Error('tokenizer features need item_categories.csv or kuairec_caption_category.csv');
  let ids = Int32Array.from(new Set(base)).sort();
  if (opts.maxItems && ids.length > opts.maxItems) ids = ids.slice(0, opts.maxItems);
  const row = new Map<number, number>();
  ids.forEach((id, i) => row.set(id, i));

  let seq: { offsets: Int32Array; items: Int32Array } | null = null;
  let source = 'none';
  const big = opts.dataset ? undefined : ws.table<SequenceTable>(CO_OCCURRENCE_FILE);
  if (big?.kind === 'sequences') {
    seq = { offsets: big.offsets, items: Int32Array.from(big.items, (id) => row.get(id) ?? -1) };
    source = `${CO_OCCURRENCE_FILE} (all positives; disjoint from the small-matrix evaluation sequences)`;
  } else {
    try {
      const dataset = opts.dataset ?? ws.build().dataset;
      const tr = trainingSequences(dataset, leaveSlateOut(dataset));
      seq = { offsets: tr.offsets, items: Int32Array.from(tr.items, (k) => row.get(dataset.itemIds[k]) ?? -1) };
      source = `${dataset.protocol.source} (training part of the leave-${dataset.protocol.slateSize}-out split)`;
    } catch {
      seq = null;
    }
  }
  const useCooc = !!spec.cooccurrence && !!seq;
  const training = useCooc
    ? (() => {
        // drop unknown items (−1) from the CSR
        const offsets = new Int32Array(seq!.offsets.length);
        const items: number[] = [];
        for (let u = 0; u + 1 < seq!.offsets.length; u++) {
          for (let p = seq!.offsets[u]; p < seq!.offsets[u + 1]; p++) if (seq!.items[p] >= 0) items.push(seq!.items[p]);
          offsets[u + 1] = items.length;
        }
        return { offsets, items: Int32Array.from(items), itemIds: ids };
      })()
    : undefined;
  const features = buildItemFeatures(
    { ids, categories: side.categories, captions: side.captions, training },
    useCooc ? spec : { ...spec, cooccurrence: undefined },
  );
  const labels = new Int32Array(ids.length).fill(-1);
  if (side.captions) {
    side.captions.videoIds.forEach((id, r) => {
      const i = row.get(id);
      if (i !== undefined) labels[i] = side.captions!.cat1[r];
    });
  }
  return { features, labels, sequences: seq, cooccurrenceSource: useCooc ? source : 'none' };
}
