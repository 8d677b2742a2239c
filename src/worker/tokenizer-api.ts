// Tokenizer views of the pipeline worker (spread into its Comlink api by one line in pipeline.worker.ts): the prefix
// explorer's projection + sunburst and the items under a prefix, for a tokenizer run trained in this worker session
// (src/worker/stage-api.ts keeps the results by run id). Training itself goes through the stage layer.
import { itemsUnderPrefix, pca2, subsampleRows, sunburstData, umap2, type Sunburst } from '../tokenizer/explore';
import type { TokenizerKind, TokenizerResult } from '../tokenizer/train';
import type { TokenizerInputs } from '../stages/tokenizer';
import { stageResults } from './stage-api';

export type { TokenizerDataInfo } from '../stages/tokenizer';

export interface ExplorerData {
  kind: TokenizerKind;
  method: 'pca' | 'umap';
  x: number[];
  y: number[];
  /** level-1 code of each projected point */
  s1: number[];
  /** item ids of the projected points */
  ids: number[];
  explained?: [number, number];
  sunburst: Sunburst;
  levels: number;
}

export interface PrefixItem {
  id: number;
  sid: number[];
  caption: string;
  category: string;
  tags: string;
}

function trained(runId: string): { r: TokenizerResult; inputs: TokenizerInputs } {
  const s = stageResults.get(runId);
  if (!s || s.stage !== 'tokenizer')
    throw new Error(`tokenizer run ${runId} has not been trained in this session (runs restored after a reload keep their metrics and curves; train again or resume it to explore its prefixes)`);
  return { r: s.result as TokenizerResult, inputs: s.inputs as TokenizerInputs };
}

export function tokenizerApi() {
  return {
    /** Projection of a trained tokenizer's item latents + its prefix sunburst. */
    async tokenizerExplorer(runId: string, method: 'pca' | 'umap', maxPoints = 2000): Promise<ExplorerData> {
      const { r } = trained(runId);
      const n = r.sids.itemIds.length;
      const rows = subsampleRows(n, method === 'umap' ? Math.min(maxPoints, 1500) : maxPoints, 7);
      const p = method === 'pca' ? pca2(r.latents, n, r.latentDim, rows) : await umap2(r.latents, n, r.latentDim, rows, 7);
      const D = r.sids.depth;
      return {
        kind: r.kind,
        method,
        x: Array.from(p.x),
        y: Array.from(p.y),
        s1: Array.from(p.rows, (i) => r.codes[i * D]),
        ids: Array.from(p.rows, (i) => r.sids.itemIds[i]),
        explained: p.explained,
        sunburst: sunburstData(r.sids, 2),
        levels: D,
      };
    },

    /** Items under a prefix, with caption, category path and tags. */
    tokenizerPrefixItems(runId: string, prefix: number[], limit = 50): { total: number; items: PrefixItem[] } {
      const { r, inputs } = trained(runId);
      const { rows, total } = itemsUnderPrefix(r.sids, prefix, limit);
      const W = r.sids.depth + 1;
      const items = rows.map((i) => ({
        id: r.sids.itemIds[i],
        sid: Array.from(r.sids.sids.subarray(i * W, i * W + W)),
        caption: inputs.meta.caption[i],
        category: inputs.meta.category[i],
        tags: inputs.meta.tags[i],
      }));
      return { total, items };
    },
  };
}
